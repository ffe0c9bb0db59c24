package dev.crucible.serve.openai;

/** A validated {@code POST /v1/completions} body. */
public record CompletionRequest(String prompt, SamplingOptions sampling, boolean stream, boolean includeUsage) {}
