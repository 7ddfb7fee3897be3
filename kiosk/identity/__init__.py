"""Proving who is in front of the kiosk (issue 20): the proof a check gives (proof.py:
FaceVerified, the IdentityProof port) and the face check itself (face.py: FaceVerifier, the
camera and the back office's face API)."""
