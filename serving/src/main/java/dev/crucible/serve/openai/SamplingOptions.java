package dev.crucible.serve.openai;

import java.util.List;

/** How to sample a continuation, as read from an OpenAI request (temperature 0 means greedy). */
public record SamplingOptions(int maxTokens, double temperature, double topP, int topK, long seed, List<String> stop) {}
