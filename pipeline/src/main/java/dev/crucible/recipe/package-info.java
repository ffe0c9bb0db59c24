/**
 * mergekit's YAML recipes: parsing with messages that name the field, the recipe model (models, slices,
 * parameter values as numbers, gradients or filter rules) and writing recipes back as YAML.
 *
 * <p>Uses {@code error}, {@code tensor} (dtypes) and {@code merge} (the method registry, for validation); a recipe is
 * checked against the models by {@code plan}.
 */
package dev.crucible.recipe;
