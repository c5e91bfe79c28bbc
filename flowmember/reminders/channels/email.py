"""Email over SMTP (``FLOWMEMBER_MAIL_*``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flowmember.reminders.channels.base import DeliveryResult, Message

DEFAULTS = {
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_FROM": "FlowMember <noreply@flowmember.local>",
    "MAIL_TIMEOUT": 10,
}


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class EmailChannel:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username=None,
        password=None,
        use_tls=False,
        use_ssl=False,
        sender: str,
        timeout: float = 10,
    ):
        self.host, self.port = host, int(port)
        self.username, self.password = username, password
        self.use_tls, self.use_ssl = use_tls, use_ssl
        self.sender, self.timeout = sender, timeout

    @classmethod
    def from_config(cls, cfg) -> EmailChannel:
        get = lambda key: cfg.get(key, DEFAULTS[key])  # noqa: E731
        return cls(
            get("MAIL_SERVER"),
            int(get("MAIL_PORT")),
            username=get("MAIL_USERNAME"),
            password=get("MAIL_PASSWORD"),
            use_tls=_flag(get("MAIL_USE_TLS")),
            use_ssl=_flag(get("MAIL_USE_SSL")),
            sender=get("MAIL_FROM"),
            timeout=float(get("MAIL_TIMEOUT")),
        )

    def build(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = formataddr((message.name, message.email))
        mail["Message-ID"] = make_msgid(idstring=f"reminder-{message.reminder_id}")
        mail["X-FlowMember-Reminder"] = str(message.reminder_id)
        mail.set_content(message.body)
        return mail

    def send(self, message: Message) -> DeliveryResult:
        if not message.email:
            return DeliveryResult.refused("smtp", "no email address")
        mail = self.build(message)
        try:
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.use_tls and not self.use_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            transient = all(400 <= c < 500 for c in codes)
            return DeliveryResult(False, transient, None, f"recipient refused {codes}", "smtp")
        except smtplib.SMTPResponseException as exc:
            transient = 400 <= exc.smtp_code < 500
            error = f"{exc.smtp_code} {exc.smtp_error!r}"
            return DeliveryResult(False, transient, None, error, "smtp")
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult.retry("smtp", f"{type(exc).__name__}: {exc}")
        return DeliveryResult.sent("smtp", mail["Message-ID"])
