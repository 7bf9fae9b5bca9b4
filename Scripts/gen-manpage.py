#!/usr/bin/env python3
"""Writes man/gatewayctl.1 (man(7)) from `gatewayctl --experimental-dump-help`.

Usage: gatewayctl --experimental-dump-help | gen-manpage.py SECTIONS > gatewayctl.1

The NAME, SYNOPSIS, DESCRIPTION and per-command option lists come from the
swift-argument-parser definitions (the JSON on standard input); SECTIONS is the
hand-written man(7) text (EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES, SECURITY,
SEE ALSO) appended unchanged, so regenerating keeps it. Python standard library
only; the output depends on nothing but the two inputs.
"""
import json
import sys

# The date in the page's title line; a constant, so regenerating is reproducible.
DATE = "November 29, 2026"


# Non-ASCII characters the help texts use, as groff_char(7) names them.
NAMED_GLYPHS = {"→": "\\(->", "←": "\\(<-", "—": "\\(em", "–": "\\(en", "×": "\\(mu", "µ": "\\(mc"}


def escape(text):
    """Escapes running text for man(7): backslashes, and control characters at line start."""
    text = text.replace("\\", "\\e")
    # troff reads its input as Latin-1: characters outside ASCII get their named glyphs.
    for character, glyph in NAMED_GLYPHS.items():
        text = text.replace(character, glyph)
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def dashes(text):
    """An option or command name, with ASCII hyphen-minus (\\-) so it can be copied."""
    return escape(text).replace("-", "\\-")


def option_names(arg):
    names = []
    for name in arg.get("names") or []:
        prefix = {"long": "--", "short": "-", "longWithSingleDash": "-"}[name["kind"]]
        names.append(prefix + name["name"])
    return names


def value_name(arg):
    return arg.get("valueName") or "value"


def synopsis_item(arg):
    """The argument as it appears in a SYNOPSIS line."""
    if arg["kind"] == "positional":
        item = "\\fI%s\\fR" % dashes(value_name(arg))
        if arg.get("isRepeating"):
            item += " ..."
    else:
        preferred = arg.get("preferredName") or (arg.get("names") or [None])[0]
        prefix = {"long": "--", "short": "-", "longWithSingleDash": "-"}[preferred["kind"]]
        item = "\\fB%s\\fR" % dashes(prefix + preferred["name"])
        if arg["kind"] == "option":
            item += " \\fI%s\\fR" % dashes(value_name(arg))
        if arg.get("isRepeating"):
            item += " ..."
    if arg.get("isOptional", False) or arg.get("defaultValue") is not None:
        item = "[" + item + "]"
    return item


def paragraphs(text, out):
    """Discussion text: blank lines separate paragraphs; indented lines are literal."""
    block = []
    literal = False
    for line in text.split("\n") + [""]:
        is_literal = line.startswith("  ")
        if line.strip() == "" or is_literal != literal:
            if block:
                if literal:
                    out.append(".PP\n.RS 4\n.nf")
                    out.extend(escape(item.strip()) for item in block)
                    out.append(".fi\n.RE")
                else:
                    out.append(".PP")
                    out.append(escape(" ".join(item.strip() for item in block)))
            block = []
            literal = is_literal
        if line.strip():
            block.append(line)


def is_builtin(arg):
    """--help and --version, which every subcommand has; listed once, under the root command."""
    return {name["name"] for name in arg.get("names") or []} & {"help", "version"} != set()


def visible_arguments(command, builtins=False):
    return [arg for arg in command.get("arguments") or []
            if arg.get("shouldDisplay", True) and (builtins or not is_builtin(arg))]


def option_list(command, out, builtins=False):
    arguments = visible_arguments(command, builtins)
    if not arguments:
        return
    for arg in arguments:
        out.append(".TP")
        if arg["kind"] == "positional":
            out.append("\\fI%s\\fR" % dashes(value_name(arg)))
        else:
            head = ", ".join("\\fB%s\\fR" % dashes(name) for name in option_names(arg))
            if arg["kind"] == "option":
                head += " \\fI%s\\fR" % dashes(value_name(arg))
            out.append(head)
        text = (arg.get("abstract") or "").strip()
        values = arg.get("allValues")
        if values and not any(value in text for value in values):
            text += " Values: %s." % ", ".join(values)
        default = arg.get("defaultValue")
        if default is not None and arg["kind"] == "option":
            text += " (default: %s)" % default
        out.append(escape(text.strip()) or "\\&")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gatewayctl --experimental-dump-help | gen-manpage.py SECTIONS")
    info = json.load(sys.stdin)["command"]
    with open(sys.argv[1], encoding="utf-8") as handle:
        sections = handle.read()
    name = info["commandName"]
    version = info.get("version") or ""
    subcommands = [sub for sub in info.get("subcommands") or [] if sub.get("shouldDisplay", True)
                   and sub["commandName"] != "help"]

    out = [
        '.\\" Generated by Scripts/generate-docs.sh from the command definitions',
        '.\\" and docs/man-sections.man; edit those, not this file.',
        '.TH %s 1 "%s" "%s" "User Commands"' % (name.upper(), DATE, escape((name + " " + version).strip())),
        ".SH NAME",
        "%s \\- %s" % (dashes(name), escape((info.get("abstract") or "").rstrip("."))),
        ".SH SYNOPSIS",
    ]
    for sub in subcommands:
        items = [synopsis_item(arg) for arg in visible_arguments(sub)
                 if arg["kind"] == "positional" or arg.get("names")]
        out.append(".HP 4")
        line = "\\fB%s %s\\fR %s" % (dashes(name), dashes(sub["commandName"]), " ".join(items))
        out.append(line.rstrip())
    out.append(".HP 4")
    out.append("\\fB%s\\fR [\\fB\\-\\-help\\fR] [\\fB\\-\\-version\\fR]" % dashes(name))
    out.append(".SH DESCRIPTION")
    out.append(escape(info.get("abstract") or ""))
    if info.get("discussion"):
        paragraphs(info["discussion"], out)
    out.append(".PP")
    out.append("Commands:")
    for sub in subcommands:
        out.append(".TP")
        out.append("\\fB%s\\fR" % dashes(sub["commandName"]))
        out.append(escape(sub.get("abstract") or ""))
    out.append(".SH OPTIONS")
    option_list(info, out, builtins=True)
    for sub in subcommands:
        out.append(".SS \"%s %s\"" % (dashes(name), dashes(sub["commandName"])))
        out.append(escape(sub.get("abstract") or ""))
        if sub.get("discussion"):
            paragraphs(sub["discussion"], out)
        out.append(".PP")
        out.append("Options:")
        option_list(sub, out)
    text = "\n".join(out) + "\n" + sections
    if not text.endswith("\n"):
        text += "\n"
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
