package dev.crucible.serve;

/** A validated {@code POST /v1/completions} body. */
public record CompletionRequest(String prompt, SamplingOptions sampling, boolean stream, boolean includeUsage) {}
