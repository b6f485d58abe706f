"""How a committee's corrections come back to the Alliance, by the kind of its
source: the same sentence in the committee's e-mail, in its Google Validation tab
and in the Instructions tab of the template it keeps its data in."""

from __future__ import annotations

from pathlib import PurePath

from sync.config import Committee, Config


def coordinator(config: Config) -> str:
    """Who a committee sends its corrected workbook to: the mandated organisation, at
    the delivery's sender address (the address the committees' e-mails come from) when there is one."""
    sender = config.delivery.email_from
    whom = f"la coordination de l'Alliance, {config.mandataire}"
    return f"{whom}, à {sender.addr_spec}" if sender is not None and sender.addr_spec else whom


def return_path(config: Config, committee: Committee | None, *, by_reply: bool = False) -> str:
    """A Google spreadsheet is read again each sync; a workbook is the committee's
    copy, to send back. ``by_reply``: the sentence ends an e-mail, which can be answered."""
    source = committee.source if committee is not None else None
    due = config.delivery.corrections_due
    by = f", au plus tard {due}" if due else ""
    if committee is None:
        return (
            "Vos corrections : si votre comité tient ses données dans un chiffrier Google, corrigez-les "
            f"directement{by}, rien à renvoyer ; s'il les tient dans ce classeur (.xlsx), corrigez-le puis "
            f"renvoyez-le à {coordinator(config)}{by}. La synchronisation suivante vérifiera vos corrections."
        )
    if source is None or source.kind == "google":
        return (
            f"Corrigez directement dans votre chiffrier Google{by} : rien à renvoyer, "
            "la prochaine synchronisation vérifiera vos corrections."
        )
    how = " (une réponse à ce courriel, avec le classeur corrigé en pièce jointe)" if by_reply else ""
    return (
        f"Corrigez votre classeur {PurePath(source.location).name}, puis renvoyez-le à {coordinator(config)}{by}"
        f"{how} : la synchronisation qui suivra sa réception vérifiera vos corrections."
    )
