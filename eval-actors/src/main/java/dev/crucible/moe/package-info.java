/**
 * {@code crucible moe}: assembles a Mixtral-style mixture of experts from dense fine-tunes of one base,
 * reading mergekit-moe's configuration. The non-MLP weights come from the base, each expert's MLP becomes
 * one expert of every layer, and the routers come from prompts: mergekit's gate modes
 * ({@link dev.crucible.moe.MergekitGates}) or our calibrated routers ({@link dev.crucible.moe.CalibratedRouter}).
 */
package dev.crucible.moe;
