"""Writes the expected renderings of the chat-template corpus with Jinja2 itself.

The environment is set up as transformers' chat-template environment
(transformers/utils/chat_template_utils.py, _compile_jinja_template and render_jinja_template):
an ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and the loopcontrols extension,
a tojson filter that is json.dumps(ensure_ascii=False, indent, separators, sort_keys), the globals
raise_exception (a TemplateError) and strftime_now, a {% generation %} block that renders its body
(AssistantTracker), and the variables apply_chat_template passes: messages, tools=None,
documents=None, add_generation_prompt and the tokenizer's special tokens.

Run from this folder: python3 reference.py   (needs only the jinja2 package).
It is not part of the build; the Java corpus test compares our renderer with the files it wrote.
"""
import json
import os
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class Generation(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env


# Templates that loop over message['content'] get OpenAI-style parts, as vLLM's "openai" content format does.
PARTS = {"llava"}


def main():
    cases = json.load(open("cases.json"))
    env = environment()
    for name in sorted(os.listdir(".")):
        if not os.path.isdir(name):
            continue
        template = env.from_string(open(os.path.join(name, "template.jinja")).read())
        tokens = json.load(open(os.path.join(name, "special_tokens.json")))
        for case, spec in cases.items():
            messages = spec["messages"]
            if name in PARTS:
                messages = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in messages]
            for stale in (case + ".txt", case + ".error"):
                if os.path.exists(os.path.join(name, stale)):
                    os.remove(os.path.join(name, stale))
            try:
                out = template.render(messages=messages, tools=None, documents=None,
                                      add_generation_prompt=spec["add_generation_prompt"], **tokens)
                path, text = os.path.join(name, case + ".txt"), out
            except jinja2.exceptions.TemplateError as e:
                path, text = os.path.join(name, case + ".error"), str(e)
            with open(path, "w", newline="") as f:
                f.write(text)


if __name__ == "__main__":
    main()
