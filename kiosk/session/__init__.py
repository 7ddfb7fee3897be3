"""The member's session: the state machine (`machine`), the controller that runs its effects on
worker threads (`controller`), the card port over cardio (`card`), the PIN rules
(`pin_rules`), the member's data requests (`services`) and the audit listener (`auditor`)."""
