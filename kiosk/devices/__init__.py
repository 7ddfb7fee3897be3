"""The kiosk's own payment devices: the encrypting PIN pad (epp: the port's errors and the
emulated pad; epp_serial: a serial pad and the pty peer that plays one)."""
