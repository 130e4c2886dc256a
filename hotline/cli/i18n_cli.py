"""`hotline i18n`: the citizen pages' message catalogues (web/locale): extract, check, list unreviewed."""

from __future__ import annotations

import typer

app = typer.Typer(help="Message catalogues of the citizen pages (zh_CN, mn_Mong).", no_args_is_help=True)


@app.command("extract")
def extract() -> None:
    """Re-extract the messages from templates and code and merge them into every .po file."""
    from web.i18n_catalog import update_catalogues

    for locale, added in update_catalogues().items():
        typer.echo(f"{locale}: {added} new message(s)" + (" — translate them, they stay fuzzy until reviewed"
                                                         if added and locale != "zh_CN" else ""))


@app.command("unreviewed")
def unreviewed(locale: str = typer.Option("mn_Mong", help="catalogue to list")) -> None:
    """List the translations still marked fuzzy (drafts a banner translator has not reviewed)."""
    from web.i18n_catalog import unreviewed as fuzzy_entries

    entries = fuzzy_entries(locale)
    for e in entries:
        typer.echo(f"{e.msgid}\t{e.msgstr}\t{' '.join(e.locations)}")
    typer.echo(f"{len(entries)} unreviewed in {locale}", err=True)


@app.command("check")
def check() -> None:
    """Exit 1 if the catalogues lag the code, a message is untranslated or a placeholder was lost."""
    from web.i18n import LOCALES
    from web.i18n_catalog import extract as extract_catalog
    from web.i18n_catalog import placeholder_mismatches, read_catalogue, untranslated

    wanted = {m.id for m in extract_catalog() if m.id}
    problems = []
    for locale in LOCALES:
        have = {m.id for m in read_catalogue(locale) if m.id}
        problems += [f"{locale}: not in the catalogue (run `hotline i18n extract`): {m}"
                     for m in sorted(wanted - have)]
        problems += [f"{locale}: untranslated: {e.msgid}" for e in untranslated(locale)]
        problems += [f"{locale}: placeholders differ: {e.msgid}" for e in placeholder_mismatches(locale)]
    for p in problems:
        typer.echo(p, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("catalogues complete")
