from kiosk.session.pin_rules import check_new_pin


def b(s: str) -> bytearray:
    return bytearray(s.encode())


def test_new_pin_rules():
    assert check_new_pin(b("123456"), b("135790")) is None
    assert check_new_pin(b("135790"), b("123456")) == "pin.initial_not_allowed"
    assert check_new_pin(b("135790"), b("135790")) == "pin.same_as_old"
    assert check_new_pin(b("123456"), b("111111")) == "pin.too_simple"
    assert check_new_pin(b("123456"), b("654321")) == "pin.too_simple"
    assert check_new_pin(b("123456"), b("13579")) == "pin.format"
    assert check_new_pin(b("123456"), b("13579a")) == "pin.format"
