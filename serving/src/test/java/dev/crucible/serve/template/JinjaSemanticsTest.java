package dev.crucible.serve.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Jinja semantics real chat templates rely on, each against the value Jinja2 in transformers'
 * environment gives (worked out from Python's own rules, noted per case), where Jinjava alone differs.
 */
class JinjaSemanticsTest {

    private static final List<Map<String, Object>> CHAT = List.of(
            Map.of("role", "system", "content", "  Be brief.\n"),
            Map.of("role", "user", "content", "Hi there"),
            Map.of("role", "assistant", "content", "Hello!"));

    private static String render(String source) {
        return new TransformersChatTemplate(source, Map.of("bos_token", "<s>", "eos_token", "</s>")).render(CHAT, true);
    }

    @Test
    void pythonStringMethodsWork() {
        // '  Be brief.\n'.strip() == 'Be brief.'; .lstrip() keeps the newline; 'xxhixx'.strip('x') == 'hi'
        assertThat(render("[{{ messages[0].content.strip() }}][{{ messages[0].content.lstrip() }}][{{ 'xxhixx'.strip('x') }}]"))
                .isEqualTo("[Be brief.][Be brief.\n][hi]");
        assertThat(render("{{ messages[1].content.startswith('Hi') }}{{ messages[1].content.endswith(('x', 'ere')) }}"
                + "{{ messages[1]['role'].startswith('assist') }}")).isEqualTo("TrueTrueFalse");
        // 'hi there'.title() == 'Hi There'; "they're".title() == "They'Re"; 'hELLO'.capitalize() == 'Hello'
        assertThat(render("{{ messages[1].content.upper() }}|{{ 'hi there'.title() }}|{{ \"they're\".title() }}|{{ 'hELLO'.capitalize() }}"))
                .isEqualTo("HI THERE|Hi There|They'Re|Hello");
        // 'a,b,,c'.split(',') == ['a','b','','c']; ' a  b '.split() == ['a','b']; 'a-b-c'.replace('-', '+', 1) == 'a+b-c'
        assertThat(render("{{ 'a,b,,c'.split(',') | length }}{{ ' a  b '.split() | join('|') }}{{ 'a-b-c'.replace('-', '+', 1) }}"
                + "{{ '-'.join(['x', 'y']) }}")).isEqualTo("4a|ba+b-cx-y");
    }

    @Test
    void dictMethodsWork() {
        assertThat(render("{{ messages[1].get('name', 'anon') }}{{ messages[1].get('role') }}"
                + "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}{{ {'a': 1}.keys() | list | length }}"
                + "{% for k, v in {'c': 3} | items %}{{ k }}{{ v }}{% endfor %}{% for p in nothing | items %}x{% endfor %}"))
                .isEqualTo("anonusera1b21c3");
    }

    @Test
    void indexingSlicingAndMembership() {
        assertThat(render("{{ messages[-1]['role'] }}|{{ messages[1:] | length }}|{{ messages[:-1][-1].role }}|"
                + "{{ 'role' in messages[0] }}{{ 'tool_calls' in messages[0] }}")).isEqualTo("assistant|2|user|TrueFalse");
    }

    @Test
    void notBindsLooserThanATestAsInJinja() {
        // Jinja: `not x is defined` == `not (x is defined)`
        assertThat(render("{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
                + "{{ add_generation_prompt }}|{{ not nothing is defined }}|{{ not bos_token is none }}|{{ nothing is not defined }}"))
                .isEqualTo("True|True|True|True");
    }

    @Test
    void namespaceLoopControlsAndScoping() {
        assertThat(render("{% set ns = namespace(n=0, last='') %}{% for m in messages %}{% if m.role == 'system' %}{% continue %}"
                + "{% endif %}{% set ns.n = ns.n + 1 %}{% set ns.last = m.role %}{% if loop.index0 == 1 %}{% break %}{% endif %}"
                + "{% endfor %}{{ ns.n }}{{ ns.last }}")).isEqualTo("1user");
        // a set inside a for loop does not leak out of it
        assertThat(render("{% set c = 'outer' %}{% for m in messages %}{% set c = m.role %}{% endfor %}{{ c }}")).isEqualTo("outer");
        assertThat(render("{% for m in messages %}{{ loop.index }}{{ loop.first }}{{ loop.last }};{% endfor %}"))
                .isEqualTo("1TrueFalse;2FalseFalse;3FalseTrue;");
    }

    @Test
    void whitespaceIsHandledAsTransformersConfiguresJinja() {
        // trim_blocks drops the newline after a block tag, lstrip_blocks the blanks before one; the template's own
        // final newline is dropped (keep_trailing_newline=False) but a newline the template prints is kept
        assertThat(render("{% for m in messages %}\n    {% if m.role == 'user' %}\n[{{ m.role }}]\n    {% endif %}\n{% endfor %}\n"))
                .isEqualTo("[user]\n");
        assertThat(render("{{'a'}}{%-if true-%} b {%-endif%}{{ '\\n' }}")).isEqualTo("ab\n");
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        // json.dumps({'b': [1, 2.5, None, True], 'a': 'é"'}, ensure_ascii=False) and with indent=2 / sort_keys
        String value = "{'b': [1, 2.5, none, true], 'a': 'é\"'}";
        assertThat(render("{{ " + value + " | tojson }}")).isEqualTo("{\"b\": [1, 2.5, null, true], \"a\": \"é\\\"\"}");
        assertThat(render("{{ " + value + " | tojson(indent=2) }}"))
                .isEqualTo("{\n  \"b\": [\n    1,\n    2.5,\n    null,\n    true\n  ],\n  \"a\": \"é\\\"\"\n}");
        assertThat(render("{{ {'b': 1, 'a': []} | tojson(sort_keys=true) }}")).isEqualTo("{\"a\": [], \"b\": 1}");
        assertThat(render("{{ messages[0] | tojson }}")).isIn("{\"role\": \"system\", \"content\": \"  Be brief.\\n\"}",
                "{\"content\": \"  Be brief.\\n\", \"role\": \"system\"}");
    }

    @Test
    void strftimeNowFormatsLocalTimeAsPython() {
        // datetime(2024, 7, 6, 9, 5, 3).strftime(...) in Python
        LocalDateTime t = LocalDateTime.of(2024, 7, 6, 9, 5, 3);
        assertThat(PythonStrftime.format("%d %b %Y", t)).isEqualTo("06 Jul 2024");
        assertThat(PythonStrftime.format("%Y-%m-%d %H:%M:%S %A %B %-d %I%p %j %%", t))
                .isEqualTo("2024-07-06 09:05:03 Saturday July 6 09AM 188 %");
        int before = LocalDate.now().getYear();
        String year = render("{{ strftime_now('%Y') }}");
        assertThat(Integer.parseInt(year)).isBetween(before, LocalDate.now().getYear());
    }

    @Test
    void generationBlocksRenderTheirBody() {
        assertThat(render("{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}"
                + "{% endif %}{% endfor %}")).isEqualTo("Hello!");
    }

    @Test
    void raiseExceptionRefusesWithItsMessage() {
        assertThatThrownBy(() -> render("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"))
                .isInstanceOf(TemplateRaisedException.class).hasMessage("System role not supported");
    }

    @Test
    void brokenTemplatesFailWithTheReason() {
        assertThatThrownBy(() -> new TransformersChatTemplate("{% for m in messages %}{{ m }}", Map.of()))
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("endfor");
        assertThatThrownBy(() -> render("{{ messages | shout }}")).as("Jinja refuses unknown filters when it compiles")
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("no filter named 'shout'");
        assertThatThrownBy(() -> render("{{ messages is shouting }}"))
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("no test named 'shouting'");
        assertThat(render("{{ 'a|b is c' }}")).as("names inside strings are text").isEqualTo("a|b is c");
        assertThatThrownBy(() -> render("{{ no_such_function() }}"))
                .isInstanceOf(TemplateRenderException.class).hasMessageContaining("no_such_function");
    }
}
