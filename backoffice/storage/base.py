"""The declarative base shared by every area's tables."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
