"""Dues (党费), DOMAIN §6. Every fen right, explainable and never lost.

Modules: rules (pure: monthly_dues, payee, paid_through, back-pay limit), models, services
(bases, set-based assessment, arrears, ledger balance), paid_through (the set-based
paid-through and its recompute), payments (staff payments, large dues, reversals, online orders
and callbacks), exemptions, statement (the member's dues view), reports (collection, arrears,
annual .xlsx, reconciliation), provider (payment-provider interface and the sandbox provider).
Other packages import each interface from the module that defines it; modules import in that
order (rules, models, paid_through, services, statement, exemptions, payments, reports), never
back.

Decisions worth knowing:

- Money is integer fen in every column; the API speaks yuan strings ("12.50"); the calculator
  uses Decimal and rounds half up to the fen. Each quote carries a rule code (explain.RULE_TEXTS
  turns it into the sentence the member sees).
- Base per member per year (``dues_bases``). ``PUT /members/{id}/dues-base/{year}`` applies at
  once while no month of that year is assessed; afterwards it creates a pending
  ``dues_base_changes`` row which an admin or secretary approves
  (``POST /dues-base-changes/{id}/approve``); it applies from the month after the later of the
  approval month and the last assessed month, so assessed months keep their amount. The approved
  change row holds the values in force from its ``effective_month``; the year's base row is not
  rewritten, so any month, assessed in any order, is charged the base in force for that month
  (``services.base_in_force``).
- Assessment (``assess_month``) is one INSERT ... SELECT ... ON CONFLICT DO NOTHING per call:
  active members of the subtree who joined (accepted as probationary) by the end of the month and
  have a base for its year; months up to a carried paid-through month (paid on an old ledger)
  are not charged again. Members without a base are skipped and listed
  (``missing_bases``, ``missing_base`` in the API answer) rather than assessed at 0.
- Assessment status: ``unpaid``, ``paid``, ``exempt`` (0 owed), ``reduced`` (a reduced amount is
  owed and not yet paid; once paid the month is ``paid`` with ``reduced=True``). Months that
  count as unpaid (lapse rules, reminders, arrears): ``rules.UNPAID_STATUSES`` =
  ("unpaid", "reduced").
- Member.paid_through_month (rule: ``rules.paid_through(statuses, carried)``): the last settled
  month M with no unpaid assessed month at or before it; settled months are the paid or exempt
  assessed months and the carried paid-through month (``Member.carried_paid_through_month``,
  党费交至 vouched by an old ledger or a paper letter), which counts unless an unpaid assessed
  month lies at or before it. NULL when nothing is settled before the first unpaid month. Kept
  current on payment, reversal, exemption approval, assessment and a change of the carried
  month (the members package calls ``paid_through.recompute_paid_through``);
  ``recompute_paid_through(member_ids=None)`` rebuilds it set-based (``paid_through_expr``), and
  ``flowmember summaries rebuild --check`` proves it.
- The books: assessments are the charges; ``dues_ledger`` holds append-only movements (payment
  minus, reversal plus, waiver minus; large dues apart). ``ledger_balance`` = charges + movements
  = the sum of unpaid amounts. ``payments`` are append-only documents with receipt numbers unique
  per org per year (``DH101-2026-000001``); a reversal is a new negative payment naming the one it
  undoes. Large dues (a single voluntary payment above 1,000 yuan):
  ``POST /members/{id}/large-dues``.
- Online: ``POST /me/payments`` creates a pending order (30 minutes); the sandbox cashier at
  ``/m/pay/sandbox/<order_id>`` posts the signed callback server-side. Callback signature: hex
  HMAC-SHA256 of the raw body with ``SANDBOX_PAY_SECRET`` (``FLOWMEMBER_SANDBOX_PAY_SECRET``);
  development default ``provider.DEV_SANDBOX_SECRET`` — set a real one in production.
- Reconciliation (``reconcile(as_of)``) looks at ``as_of`` and the day before, stores each
  mismatch once in ``dues_reconciliation_issues`` and never changes anything else.
"""
