package dev.crucible.serve.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face {@code chat_template} rendered as transformers' {@code apply_chat_template} renders it
 * (transformers/utils/chat_template_utils.py: {@code _compile_jinja_template}, {@code render_jinja_template}):
 * trim_blocks and lstrip_blocks on, the trailing newline of the template dropped, loop controls,
 * {@code raise_exception}, {@code strftime_now}, the {@code tojson} filter of {@code json.dumps},
 * the {@code {% generation %}} block, and the variables {@code messages}, {@code tools} and
 * {@code documents} (none), {@code add_generation_prompt} and the tokenizer's special tokens.
 * Immutable and safe to render from many threads.
 */
public final class TransformersChatTemplate {

    /** vLLM's content-format detection: a template that loops over a message's content wants OpenAI-style parts. */
    private static final Pattern LOOPS_OVER_CONTENT =
            Pattern.compile("\\bfor\\s+\\w+\\s+in\\s+\\w+\\s*(\\[\\s*['\"]content['\"]\\s*]|\\.content\\b)");
    /**
     * Jinjava's corrections towards Jinja's behaviour, except that Jinja does not require blanks inside
     * delimiters: real templates write {@code {{'<|im_start|>'}}} and {@code {%-endif %}}.
     */
    private static final LegacyOverrides JINJA_SEMANTICS = LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withUseSnakeCasePropertyNaming(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withAllowAdjacentTextNodes(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withKeepNullableLoopValues(true)
            .withHandleBackslashInQuotesOnly(true)
            .build();
    private static final Jinjava JINJAVA = environment();

    private final String source;
    private final String jinjavaSource;
    private final Map<String, String> specialTokens;
    private final boolean contentParts;

    /** Parses {@code source}; a syntax error fails here with a {@link TemplateRenderException}. */
    public TransformersChatTemplate(String source, Map<String, String> specialTokens) {
        this.source = source;
        this.jinjavaSource = JinjaPrecedence.rewrite(withoutTrailingNewline(source));
        this.specialTokens = Map.copyOf(specialTokens);
        this.contentParts = LOOPS_OVER_CONTENT.matcher(this.source).find();
        KnownNames.check(jinjavaSource, JINJAVA.getGlobalContext());
        JinjavaInterpreter interpreter = JINJAVA.newInterpreter();
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            interpreter.parse(jinjavaSource);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        for (TemplateError error : interpreter.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new TemplateRenderException(describe(error));
            }
        }
    }

    /** Whether messages should reach the template with OpenAI-style content parts instead of a string. */
    public boolean usesContentParts() {
        return contentParts;
    }

    public String source() {
        return source;
    }

    /** The special tokens the template sees ({@code bos_token}, {@code eos_token}...). */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /**
     * The prompt for {@code messages} (maps with {@code role} and {@code content}). Throws
     * {@link TemplateRaisedException} when the template calls {@code raise_exception}, and
     * {@link TemplateRenderException} for any other failure.
     */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
        Map<String, Object> vars = new HashMap<>(specialTokens);
        vars.put("messages", messages);
        vars.put("add_generation_prompt", addGenerationPrompt);
        vars.put("tools", null);
        vars.put("documents", null);
        RenderResult result = JINJAVA.renderForResult(jinjavaSource, vars);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) {
                continue;
            }
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateRaisedException raised) {
                    throw raised;
                }
            }
            throw new TemplateRenderException(describe(error));
        }
        return result.getOutput();
    }

    /** Jinja's lexer (keep_trailing_newline=False, transformers' setting) drops one newline at the end of the source. */
    private static String withoutTrailingNewline(String source) {
        for (String newline : new String[] {"\r\n", "\r", "\n"}) {
            if (source.endsWith(newline)) {
                return source.substring(0, source.length() - newline.length());
            }
        }
        return source;
    }

    private static String describe(TemplateError error) {
        String message = error.getMessage();
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateRenderException own) {
                message = own.getMessage();
            }
        }
        return (error.getLineno() > 0 ? "line " + error.getLineno() + ": " : "") + message;
    }

    private static Jinjava environment() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethodsResolver());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // Jinja drops one trailing newline of the template source (see withoutTrailingNewline); Jinjava's
                // switch for it trims the output instead, which would eat newlines the template prints.
                .withKeepTrailingNewline(true)
                .withLegacyOverrides(JINJA_SEMANTICS)
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false)
                .withInterperterFactory(PythonOutputInterpreter.FACTORY)
                .withMaxOutputSize(256L << 20)
                .withRangeLimit(100_000)
                .build();
        Jinjava jinjava = new Jinjava(config);
        var globals = jinjava.getGlobalContext();
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateGlobals.class, "raiseException", Object.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateGlobals.class, "strftimeNow", String.class));
        globals.registerFilter(new ToJsonFilter());
        globals.registerFilter(new TrimFilter());
        globals.registerFilter(new ItemsFilter());
        globals.registerTag(new GenerationTag());
        return jinjava;
    }
}
