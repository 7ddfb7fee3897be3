"""What the session holds of the member: one typed field per load and request answer.

`MemberData` reads like a mapping from name to answer ("dues" in data, data.get("pay_quote")),
so the session's generic steps (a load arrived, drop what a payment made stale) stay generic,
while the screens read the typed fields (data.dues: list[Due] | None).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the answers' types; their modules import the session machine
    from kiosk.domain.benefits import BenefitPayment
    from kiosk.domain.cards import CardRecord
    from kiosk.domain.certification import Certification
    from kiosk.domain.dues import Due
    from kiosk.domain.estimate import PensionEstimate
    from kiosk.domain.flexible import FlexibleStatus
    from kiosk.domain.medical import MedicalAccount, Settlements
    from kiosk.domain.past_payments import PastPayment
    from kiosk.domain.records import ContributionMonth, PersonalAccounts
    from kiosk.domain.summary import MemberSummary
    from kiosk.domain.transfer import Cities, TransferRequests
    from kiosk.domain.unemployment import SkillSubsidy, UnemploymentStatus
    from kiosk.payments.flow import PayQuote, PayResult, QrShown
    from kiosk.printing import PrintDone, PrintPreview
    from kiosk.session.certification import Certified
    from kiosk.session.receipts import Reprinted
    from kiosk.session.transfer import VoucherPreview
    from kiosk.session.unemployment import AckPrinted


@dataclass(frozen=True)
class MemberData(Mapping[str, object]):
    """Each field is the answer to the load or request of that name (kiosk.session.intents);
    None until it arrives. `arrived` keeps the order they came in (an answer may be None:
    pay_cancel's is)."""

    summary: MemberSummary | None = None
    history: list[ContributionMonth] | None = None
    accounts: PersonalAccounts | None = None
    benefits: list[BenefitPayment] | None = None
    dues: list[Due] | None = None
    estimate: PensionEstimate | None = None
    card_status: CardRecord | None = None
    report_loss: CardRecord | None = None
    print_preview: PrintPreview | None = None
    print_submit: PrintDone | None = None
    pay_quote: PayQuote | None = None
    pay_card: PayResult | None = None
    pay_qr_start: QrShown | None = None
    pay_qr_wait: PayResult | None = None
    pay_cancel: None = None
    admin_status: dict[str, str] | None = None
    admin_reprint: str | None = None
    admin_reconcile: dict[str, Any] | None = None
    certification: Certification | None = None  # None once arrived: not a retiree
    certify: Certified | None = None
    unemployment: UnemploymentStatus | None = None
    skill_subsidy: SkillSubsidy | None = None
    unemployment_register: UnemploymentStatus | None = None
    unemployment_apply: UnemploymentStatus | None = None
    unemployment_stop: UnemploymentStatus | None = None
    unemployment_ack: AckPrinted | None = None
    skill_subsidy_apply: SkillSubsidy | None = None
    transfer: TransferRequests | None = None
    transfer_cities: Cities | None = None
    transfer_start: TransferRequests | None = None
    voucher_preview: VoucherPreview | None = None
    voucher_print: PrintDone | None = None
    medical_account: MedicalAccount | None = None
    medical_settlements: Settlements | None = None
    flexible: FlexibleStatus | None = None
    flexible_register: FlexibleStatus | None = None
    flexible_stop: FlexibleStatus | None = None
    flexible_resume: FlexibleStatus | None = None
    my_receipts: list[PastPayment] | None = None
    receipt_reprint: Reprinted | None = None
    report_loss_id: CardRecord | None = None
    arrived: tuple[str, ...] = ()

    def with_answer(self, key: str, value: object) -> MemberData:
        """This one answer added (or replaced). Raises KeyError for a name with no field."""
        if key not in _ANSWERS:
            raise KeyError(key)
        changes: dict[str, Any] = {key: value}  # the data port's answer: typed by its handler
        arrived = (*(k for k in self.arrived if k != key), str(key))
        return replace(self, arrived=arrived, **changes)

    def without(self, keys: Iterable[str]) -> MemberData:
        """These answers dropped (a payment made them stale)."""
        gone = {str(k) for k in keys} & set(self.arrived)
        if not gone:
            return self
        changes: dict[str, Any] = dict.fromkeys(gone)
        arrived = tuple(k for k in self.arrived if k not in gone)
        return replace(self, arrived=arrived, **changes)

    # -- Mapping -------------------------------------------------------------------------------

    def __getitem__(self, key: str) -> object:
        if key not in self.arrived:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrived)

    def __len__(self) -> int:
        return len(self.arrived)

    def __contains__(self, key: object) -> bool:
        return key in self.arrived


_ANSWERS = frozenset(f.name for f in fields(MemberData)) - {"arrived"}
