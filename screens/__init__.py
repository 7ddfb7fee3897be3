"""The Kivy touch UI. The only package that imports Kivy."""
