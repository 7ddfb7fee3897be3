"""The API's routers, one module per area. app.py mounts every router listed in ROUTERS.

A new area (payments: orders, quotes, the gateway's callbacks) adds its module here and its
tables under backoffice/storage/; nothing else changes."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from backoffice import fleet
    from backoffice.api import (
        card_loss,
        card_sales,
        cards,
        certificates,
        certification,
        dues,
        estimate,
        face,
        flexible,
        health,
        medical,
        members,
        my_payments,
        payments,
        terminals,
        transfer,
        unemployment,
        verify,
    )

    return [
        health.router,
        cards.router,
        card_loss.router,  # report loss without the card, identity proven (issue 17)
        members.router,
        dues.router,
        certificates.router,
        certification.router,  # the retiree's annual certification (issue 20)
        face.router,  # face verification (issue 20)
        unemployment.router,  # 失业保险 (issue 17)
        flexible.router,  # 灵活就业 (issue 17)
        my_payments.router,  # the member's own receipts (issue 17)
        transfer.router,  # 转移接续 (issue 17)
        medical.router,  # 医保 (issue 17)
        estimate.router,
        terminals.router,
        verify.router,
        payments.router,
        card_sales.router,  # POST /v1/orders/{no}/card-sale (issue 16)
        payments.receipts,  # public, like verify: no terminal, no member errors
        fleet.router,  # the hall manager's /fleet page (HTML) and /fleet.json
    ]
