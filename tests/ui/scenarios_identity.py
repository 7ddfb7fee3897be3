"""Issue 20's journeys by touch (tests/ui/test_identity.py): the retiree's certification by
face, someone else failing three times, a photo failing liveness, a blocked card's PIN reset
and a reported-lost card's loss cancelled. The emulated camera's subject is set as the demo
panel does (the face check's camera, set_subject)."""

from __future__ import annotations

from tests.helpers.kivy_ui import (
    card_cmd,
    in_thread,
    journey_member,
    page,
    screen,
    settle,
    shot,
    tap,
    to_menu,
    type_pin,
    wait_page,
    wait_until,
    widget,
)


def _camera(app):
    return app.controller.identity.camera


def _face_step(app, step, timeout=40.0):
    yield from wait_until(
        lambda: page(app) == "face" and app.state.face is not None and app.state.face.step == step,
        timeout,
        lambda: f"face step {step} (now {page(app)}, {app.state.face})",  # said when it times out
    )
    yield from settle(app, 0.3)


def _face_texts(app) -> dict:
    return {k: widget(app, k, "face").text for k in ("prompt", "detail", "hint", "status")} | {
        "arrow": screen(app, "face").arrow
    }


def _leave(app, h):
    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)


def certify(app, out):
    """Retiree: menu reminder -> certify -> a photo fails liveness -> the member passes ->
    check mark, next due date, slip -> the menu no longer reminds."""
    m = journey_member()
    seen: list[str] = []
    h = yield from to_menu(app, m, seen)
    yield from wait_until(lambda: "certification" in app.state.data, what="certification status")
    yield from settle(app, 0.3)
    out["reminder"] = widget(app, "certify_reminder", "menu").text
    out["certify_shown"] = screen(app, "menu").certify_shown
    shot("identity-menu-reminder")
    tap(widget(app, "certify", "menu"))
    yield from wait_page(app, "certify")
    out["status"] = widget(app, "status", "certify").text
    out["start_text"] = widget(app, "start", "certify").text
    shot("identity-certify-status")

    _camera(app).set_subject("photo")
    tap(widget(app, "start", "certify"))
    yield from _face_step(app, "prompt", 20)
    out["prompt"] = _face_texts(app)
    shot("identity-face-prompt")
    yield from _face_step(app, "failed")
    out["photo"] = _face_texts(app) | {"reason": app.state.face.reason}
    out["photo_attempts"] = app.state.face.attempts_left
    shot("identity-face-photo-refused")

    _camera(app).set_subject("member")
    tap(widget(app, "retry", "face"))
    yield from wait_until(
        lambda: page(app) == "certify" and "certify" in app.state.data,
        60,
        lambda: f"certified (page {page(app)}, errors {app.state.errors}, face {app.state.face})",
    )
    yield from settle(app, 0.5)
    out["mark"] = widget(app, "mark", "certify").text
    out["result"] = widget(app, "result", "certify").text
    out["next_step"] = widget(app, "next_step", "certify").text
    out["slip"] = widget(app, "slip", "certify").text
    out["certified_status"] = app.state.data.certification.status.value
    shot("identity-certified")
    tap(widget(app, "start", "certify"))  # now "menu"
    yield from wait_page(app, "menu")
    out["reminder_after"] = widget(app, "certify_reminder", "menu").text
    yield from _leave(app, h)
    out["data_after_exit"] = app.state.has_personal_data


def someone_else(app, out):
    """Someone else in front of the camera: three refusals, then the counter."""
    m = journey_member()
    h = yield from to_menu(app, m, [])
    yield from wait_until(lambda: "certification" in app.state.data, what="certification status")
    tap(widget(app, "certify", "menu"))
    yield from wait_page(app, "certify")
    _camera(app).set_subject("someone_else")
    tap(widget(app, "start", "certify"))
    refusals = []
    for i in range(3):
        yield from _face_step(app, "failed")
        face = app.state.face
        refusals.append(
            {"reason": face.reason, "attempts_left": face.attempts_left, "final": face.final}
            | _face_texts(app)
            | {"retry_shown": screen(app, "face").can_retry}
        )
        shot(f"identity-someone-else-{i + 1}")
        if not face.final:
            tap(widget(app, "retry", "face"))
            yield from wait_until(lambda: app.state.face.step != "failed", 10, "retry started")
    out["refusals"] = refusals
    tap(widget(app, "back", "face"))
    yield from wait_page(app, "certify")
    yield from wait_until(
        lambda: (
            app.state.data.certification is not None
            and app.state.data.certification.attempts_left == 0
        ),
        15,
        "the status with no attempts left",
    )
    yield from settle(app, 0.3)
    out["how"] = widget(app, "how", "certify").text
    out["can_start"] = screen(app, "certify").can_start
    shot("identity-someone-else-counter")
    yield from _leave(app, h)


def reset_pin_then_cancel_loss(app, out):
    """A blocked card: face, new PIN twice, then the new PIN opens the menu. Then a reported-lost
    card: its PIN (a wrong one first), the loss cancelled, and the card reads as valid again."""
    members = journey_member()
    blocked, lost = members["blocked"], members["lost"]
    yield from wait_page(app, "attract")
    h = in_thread(card_cmd, {"cmd": "insert", "profile": blocked["card_file"]})
    yield from wait_page(app, "pin", 20)
    for _ in range(3):
        type_pin(app, "pin", "000000")
        yield from wait_until(
            lambda: app.state.pin_tries_left is not None or page(app) == "card_problem",
            what="PIN answer",
        )
        yield from settle(app, 0.3)
        if page(app) == "card_problem":
            break
    yield from wait_page(app, "card_problem")
    out["blocked_title"] = widget(app, "title", "card_problem").text
    out["blocked_button"] = widget(app, "recover", "card_problem").text
    shot("identity-blocked")
    _camera(app).set_subject("member")
    tap(widget(app, "recover", "card_problem"))
    # the prompt lasts the capture (5 frames 0.15 s apart): read it at once
    yield from wait_until(
        lambda: app.state.face is not None and app.state.face.step == "prompt", 20, "prompt"
    )
    yield 0
    out["reset_face_prompt"] = _face_texts(app)
    shot("identity-face-prompt-large")
    yield from wait_until(
        lambda: page(app) == "pin_reset",
        60,
        lambda: f"PIN reset page ({page(app)}, {app.state.face})",
    )
    yield from settle(app, 0.3)
    out["reset_title"] = widget(app, "title", "pin_reset").text
    shot("identity-pin-reset")
    new_pin = blocked["new_pin"]
    type_pin(app, "pin_reset", new_pin)
    yield from settle(app, 0.3)
    out["reset_title_again"] = widget(app, "title", "pin_reset").text
    type_pin(app, "pin_reset", new_pin)
    yield from wait_until(lambda: app.state.recovered, 20, "PIN reset done")
    yield from settle(app, 0.3)
    out["reset_done"] = widget(app, "title", "pin_reset").text
    out["reset_mark"] = widget(app, "mark", "pin_reset").text
    shot("identity-pin-reset-done")
    tap(widget(app, "resume", "pin_reset"))
    yield from wait_page(app, "pin", 20)
    type_pin(app, "pin", new_pin)
    yield from wait_until(lambda: page(app) in ("menu", "change_pin"), 20, "the new PIN accepted")
    out["after_new_pin"] = page(app)
    yield from settle(app, 0.3)
    shot("identity-new-pin-menu")
    yield from _leave(app, h)

    h = in_thread(card_cmd, {"cmd": "insert", "profile": lost["card_file"]})
    yield from wait_page(app, "card_problem", 20)
    out["lost_title"] = widget(app, "title", "card_problem").text
    out["lost_button"] = widget(app, "recover", "card_problem").text
    shot("identity-lost")
    tap(widget(app, "recover", "card_problem"))
    yield from wait_page(app, "loss_cancel")
    type_pin(app, "loss_cancel", "000000")
    yield from wait_until(lambda: app.state.pin_tries_left is not None, 20, "wrong PIN told")
    yield from settle(app, 0.3)
    out["loss_wrong"] = widget(app, "message", "loss_cancel").text
    shot("identity-loss-wrong-pin")
    type_pin(app, "loss_cancel", lost["pin"])
    yield from wait_until(lambda: app.state.recovered, 20, "loss cancelled")
    yield from settle(app, 0.3)
    out["loss_done"] = widget(app, "title", "loss_cancel").text
    shot("identity-loss-cancelled")
    tap(widget(app, "resume", "loss_cancel"))
    yield from wait_page(app, "pin", 20)
    out["lost_card_reads_valid"] = True
    yield from _leave(app, h)
