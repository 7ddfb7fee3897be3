"""The composition root: the kiosk's parts built from config.toml, and nothing else.

`build(cfg)` gives a Controller wired to the real card reader (through pcscd), the back office
client, voice prompts, and (as they land) the printers and payments. Devices are chosen by
configuration only; nothing here asks whether it runs in a test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cardio.reader import open_reader
from kiosk.acquirer import AcquirerClient
from kiosk.admin import AdminTools
from kiosk.audit import AuditLog
from kiosk.backoffice.card_session import HEADER as CARD_SESSION_HEADER
from kiosk.backoffice.card_session import card_session_card
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.heartbeat import Heartbeat, probes_from_config
from kiosk.backoffice.id_session import IdSessionApi
from kiosk.backoffice.transport import ONCE
from kiosk.config import KioskConfig
from kiosk.devices import open_epp
from kiosk.devices.camera import open_camera
from kiosk.devices.idcard import open_idcard_reader
from kiosk.documents_worker import DocumentWorker
from kiosk.domain.zone import today_in
from kiosk.health import DeviceHealth, a4_probe, backoffice_probe, reader_probe
from kiosk.i18n import Translator
from kiosk.identity.face import FaceVerifier
from kiosk.payments.card_desk import CardDesk
from kiosk.payments.card_sale import CardRunner, CardSale, CardSaleSettings
from kiosk.payments.client import PaymentClient
from kiosk.payments.flow import PayFlow
from kiosk.payments.journal import Journal
from kiosk.payments.service import PaymentService, PaymentSettings
from kiosk.ports import A4PrinterPort, CameraPort, IdCardReaderPort
from kiosk.printing import PrintService
from kiosk.session.auditor import SessionAuditor
from kiosk.session.card import CardAdapter
from kiosk.session.card_loss import loss_handlers
from kiosk.session.certification import CertificationService, SlipPrinter
from kiosk.session.controller import Controller
from kiosk.session.flexible import FlexibleService
from kiosk.session.idcard_entry import IdCardEntry
from kiosk.session.identity import IdentityFlows
from kiosk.session.machine import Session
from kiosk.session.medical import MedicalService
from kiosk.session.receipts import ReceiptsService
from kiosk.session.services import MemberServices
from kiosk.session.transfer import TransferService
from kiosk.session.unemployment import UnemploymentService
from kiosk.voice import EspeakVoice
from printer import open_a4_printer, open_receipt_printer


@dataclass
class Kiosk:
    controller: Controller
    card: CardAdapter
    services: MemberServices
    client: BackOfficeClient
    translator: Translator
    audit: AuditLog | None = None
    heartbeat: Heartbeat | None = None
    payments: PaymentService | None = None
    acquirer: AcquirerClient | None = None  # card sales; its PIN pad is `acquirer.epp`
    idcard_reader: IdCardReaderPort | None = None  # [idcard_reader]: ID-card entry
    camera: CameraPort | None = None  # [camera]: the face check
    health: DeviceHealth | None = None  # the reader, back office and A4 printer watched
    printing: PrintService | None = None  # A4 documents; its worker process ends with the kiosk

    def close(self) -> None:
        if self.health is not None:
            self.health.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        if self.payments is not None:
            self.payments.stop()
        self.controller.stop()
        self.card.stop()
        self.client.close()
        close_pad = getattr(self.acquirer.epp, "close", None) if self.acquirer else None
        if close_pad is not None:  # a serial pad holds its line open
            close_pad()
        if self.idcard_reader is not None:
            self.idcard_reader.close()
        if self.camera is not None:
            self.camera.close()
        if self.printing is not None:
            self.printing.close()


def open_acquirer(cfg: KioskConfig) -> AcquirerClient:
    """The acquirer client and its PIN pad ([acquirer], [epp]); nothing is sent yet (sign-on
    comes with the first card sale)."""
    acq = cfg.acquirer
    return AcquirerClient(
        acq.host,
        acq.port,
        acq.terminal_no,
        acq.merchant_no,
        open_epp(cfg.epp, acq.terminal_no),
        connect_timeout=acq.connect_timeout,
        read_timeout=acq.read_timeout,
    )


def card_sale_settings(cfg: KioskConfig) -> CardSaleSettings:
    """The card sale's terminal number, CA keys ([emv]) and the hall's clock for fields 12/13."""
    zone = cfg.terminal.zone
    return CardSaleSettings(
        terminal_no=cfg.acquirer.terminal_no,
        ca_keys=cfg.emv.ca_keys(),
        local_now=lambda: dt.datetime.now(zone).replace(tzinfo=None),
    )


def build(cfg: KioskConfig, translator: Translator | None = None) -> Kiosk:
    translator = translator or Translator(language=cfg.ui.language)
    client = BackOfficeClient.from_config(cfg)
    acquirer = open_acquirer(cfg)
    a4 = open_a4_printer(cfg.a4_printer)
    printing = PrintService(
        client,
        a4,
        font_path=cfg.ui.font_path,
        hall_name=cfg.terminal.hall_name,
        terminal_id=cfg.terminal.id,
        zone=cfg.terminal.zone,
        # PDFs built in a worker process: reportlab and the font stay out of the UI's process
        documents=DocumentWorker(),
    )
    # One client for everything, so signing and TLS settings apply to payments too.
    pay_client, journal = PaymentClient(client), Journal(cfg.journal.path)
    # Card-in payment is an EMV card sale: the card's bank application (through the reader's
    # run_card), the PIN pad and the acquirer. Its blocking steps run on the session's worker
    # threads (the pay_card request); the screen only answers the CardDesk's questions.
    card_sale = CardSale(journal, pay_client, acquirer, acquirer.epp, card_sale_settings(cfg))
    payments = PaymentService(
        pay_client,
        journal,
        PaymentSettings.from_config(cfg),
        printer=open_receipt_printer(cfg.receipt_printer),
        card_sale=card_sale,
    )
    sm = cfg.security_module
    reader = open_reader(
        cfg.card_reader.reader_pattern,
        security_kind=sm.kind,
        keys_file=str(sm.keys_file) if sm.keys_file else None,
        psam_reader_pattern=sm.psam_reader_pattern,
        use_pinpad=cfg.card_reader.use_pinpad,
    )
    run_card: CardRunner = reader.run_card
    desk = CardDesk(pin_attempts=card_sale.settings.pin_attempts, card_present=reader.card_present)
    paying = PayFlow(payments, reader.card_present, run_card, desk)
    services = MemberServices(client, printing, paying)
    zone = cfg.terminal.zone
    card = CardAdapter(reader, checker=services.check_card, today=lambda: today_in(zone))
    # Member data only for a card that is present: the card proves itself to the back office.
    card_port = card_session_card(card, client) if cfg.backoffice.card_session else card
    payments.start()  # recovery now (needs neither member nor card), then every interval
    voice = EspeakVoice() if cfg.ui.voice else None
    # ID-card entry: the reader watched, the member's ID session at the back office.
    idcard_reader = open_idcard_reader(cfg.idcard_reader)
    id_entry = (
        IdCardEntry(
            idcard_reader,
            IdSessionApi(client.transport),
            lambda token: client.transport.set_header(CARD_SESSION_HEADER, token),
            services.admit,
            today=lambda: today_in(zone),
        )
        if idcard_reader is not None
        else None
    )
    # The face check (certification, PIN reset, the ID card's records) and the card's
    # recovery at the kiosk: PIN reset, 解除临时挂失 (issue 20).
    camera = open_camera(cfg.camera)
    verifier = (
        FaceVerifier(client, camera, interval=cfg.camera.interval) if camera is not None else None
    )
    identity = IdentityFlows(verifier, reader, client)
    slips = payments.printer  # the receipt printer prints the certification slip too
    certification = CertificationService(
        client,
        slips if isinstance(slips, SlipPrinter) else None,
        hall_name=cfg.terminal.hall_name,
        terminal_id=cfg.terminal.id,
        zone=zone,
    )
    services.add_handlers(certification.handlers())
    # Transfers between cities (the voucher on the A4 printer) and medical insurance (issue 17).
    services.add_handlers(TransferService(client, printing).handlers())
    services.add_handlers(MedicalService(client).handlers())
    # Unemployment insurance; the claim's acknowledgement on the A4 printer (issue 17).
    unemployment = UnemploymentService(client, printing, today=lambda: today_in(zone))
    services.add_handlers(unemployment.handlers())
    # Flexible employment, my receipts (补打 on the receipt printer), the loss report without
    # the card (issue 17).
    services.add_handlers(FlexibleService(client).handlers())
    services.add_handlers(ReceiptsService(client, payments).handlers())
    services.add_handlers(loss_handlers(client))
    controller = Controller(
        Session(cfg.timeouts),
        card_port,
        services,
        translator=translator,
        voice=voice,
        id_entry=id_entry,
        identity=identity,
    )
    audit = AuditLog(
        cfg.audit.path,
        terminal_id=cfg.terminal.id,
        key_file=cfg.audit.key_file,
        retention_days=cfg.audit.retention_days,
    )
    audit.purge()
    controller.listen(SessionAuditor(audit))
    heartbeat_probes = probes_from_config(
        cfg, a4=a4, audit=audit, journal=payments.journal, receipt=payments.printer
    )
    # Out of service without the reader or the back office, no printing without the A4 printer;
    # the heartbeat says which (`service`) and goes at once when it changes.
    health = open_health(cfg, client, a4)
    heartbeat_probes["service"] = lambda: health.current.word
    heartbeat_probes["service_missing"] = lambda: " ".join(health.current.missing)
    heartbeat = Heartbeat(
        client,
        heartbeat_probes,
        interval=cfg.heartbeat.interval,
        watch_errors=True,
        audit_head=audit.head,
    )
    heartbeat.start()
    health.subscribe(lambda _h: heartbeat.poke())
    health.start()
    services.add_handlers(AdminTools(payments, heartbeat_probes, services.is_admin).handlers())
    return Kiosk(
        controller,
        card,
        services,
        client,
        translator,
        audit,
        heartbeat,
        payments,
        acquirer,
        idcard_reader=idcard_reader,
        camera=camera,
        health=health,
        printing=printing,
    )


def open_health(cfg: KioskConfig, client: BackOfficeClient, a4: A4PrinterPort) -> DeviceHealth:
    """The devices a member needs, watched every [health] interval (not started yet)."""
    return DeviceHealth(
        {
            "reader": reader_probe(cfg.card_reader.reader_pattern),
            "backoffice": backoffice_probe(lambda path: client.transport.get(path, retry=ONCE)),
            "a4": a4_probe(a4),
        },
        interval=cfg.health.interval,
    )
