package dev.crucible.serve.openai;

/** One chat turn after parsing: its role and its text (image parts become an {@code <image>} marker). */
public record ChatMessage(String role, String content) {}
