#!/usr/bin/env python3
"""Test harness for the OPNsense plugin, run by test/opnsense/*.test.ts.

Renders the plugin's configd templates the way OPNsense's template engine does: a
trim_blocks Jinja2 environment with the `do` and `loopcontrols` extensions, OPNsense's extra
filters and test, a `helpers` global, and data shaped like config.xml after OPNsense reads it
(leaves are strings, empty elements are left out). Written from the documented behaviour for
these tests; no OPNsense code is copied. Also reads the model XML for the tests (its fields and
defaults) and re-creates OPNsense's model lint rules.

usage:
  opnsense_template.py render TEMPLATE_ROOT MODULE CONFIG_JSON OUT_DIR [--strict]
  opnsense_template.py model-fields MODEL_XML
  opnsense_template.py lint-model MODEL_XML
"""
import json
import os
import re
import shlex
import sys
import xml.etree.ElementTree as ET


class Helpers:
    """The part of OPNsense's template `helpers` object the YORI templates use."""

    def __init__(self, data):
        self._data = data

    def getNodeByTag(self, tag):
        node = self._data
        for item in tag.split('.'):
            if isinstance(node, dict) and item in node:
                node = node[item]
            else:
                return None
        return node

    def exists(self, tag):
        return self.getNodeByTag(tag) is not None

    def empty(self, tag):
        node = self.getNodeByTag(tag)
        if node is None or len(node) == 0:
            return True
        return isinstance(node, str) and node.strip() in ('', '0')

    def toList(self, tag):
        node = self.getNodeByTag(tag)
        if node is None:
            return []
        return node if isinstance(node, list) else [node]

    def physical_interface(self, name):
        return self.getNodeByTag('interfaces.' + name + '.if') or name


def drop_empty(node):
    """config.xml elements without content do not reach the templates."""
    if isinstance(node, dict):
        return {k: drop_empty(v) for k, v in node.items() if v != '' and v != {}}
    if isinstance(node, list):
        return [drop_empty(v) for v in node]
    return node


def render(template_root, module, config_json, out_dir, strict):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_root),
        trim_blocks=True,
        extensions=['jinja2.ext.do', 'jinja2.ext.loopcontrols'],
        undefined=jinja2.StrictUndefined if strict else jinja2.Undefined,
    )
    env.filters['encode_idna'] = lambda x: x.encode('idna').decode()
    env.filters['decode_idna'] = lambda x: x.decode('idna')
    env.filters['shlex_quote'] = shlex.quote
    env.filters['shlex_split'] = shlex.split
    env.filters['regex_replace'] = lambda value, pattern, replacement: re.sub(pattern, replacement, value)
    env.tests['regex_match'] = lambda value, pattern: bool(re.match(pattern, value))

    with open(config_json, encoding='utf-8') as f:
        data = drop_empty(json.load(f))
    env.globals['helpers'] = Helpers(data)

    written = []
    with open(os.path.join(template_root, module, '+TARGETS'), encoding='utf-8') as f:
        targets = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    for line in targets:
        source, target = line.split(':')[:2]
        content = env.get_template(module + '/' + source).render(data)
        path = os.path.join(out_dir, target.lstrip('/'))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as out:
            out.write(content if content.endswith('\n') else content + '\n')
        written.append(target)
    print(json.dumps(written))


def model_fields(model_xml):
    """{section: {field: {type, default, required}}} for every field of the model."""
    items = ET.parse(model_xml).getroot().find('items')
    result = {}
    for section in items:
        result[section.tag] = {}
        for field in section:
            default = field.find('Default')
            required = field.find('Required')
            result[section.tag][field.tag] = {
                'type': field.get('type'),
                'default': default.text if default is not None else None,
                'required': required is not None and required.text == 'Y',
            }
    print(json.dumps(result))


def lint_model(model_xml):
    """The checks of OPNsense's `make lint-model`, as described in its Mk/lint.mk."""
    root = ET.parse(model_xml).getroot()
    problems = []
    description = root.find('description')
    if description is None or '\n' in (description.text or '').strip():
        problems.append('<description> must be one line')
    for field in root.iter():
        if field.get('type') is None:
            continue
        required = field.find('Required')
        if field.find('Default') is not None and (required is None or required.text != 'Y'):
            problems.append(f'{field.tag}: Default without Required=Y')
        if required is not None and required.text == 'N':
            problems.append(f'{field.tag}: Required=N is redundant')
        multiple = field.find('Multiple')
        if multiple is not None and multiple.text == 'N':
            problems.append(f'{field.tag}: Multiple=N is redundant')
        message = field.find('ValidationMessage')
        if message is not None and not re.match(r'^[A-Z].*\.$', message.text or ''):
            problems.append(f'{field.tag}: ValidationMessage must start upper-case and end with "."')
        options = field.find('OptionValues')
        for option in (options if options is not None else []):
            key = option.get('value', option.tag)
            if option.text is not None and option.text.strip() == key:
                problems.append(f'{field.tag}: option {key} has its key as label')
    print(json.dumps(problems))
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 6 and argv[1] == 'render':
        render(argv[2], argv[3], argv[4], argv[5], '--strict' in argv[6:])
        return 0
    if len(argv) == 3 and argv[1] == 'model-fields':
        model_fields(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == 'lint-model':
        return lint_model(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
