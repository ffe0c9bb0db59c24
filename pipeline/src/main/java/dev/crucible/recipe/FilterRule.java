package dev.crucible.recipe;

/**
 * One {@code {filter: SUBSTRING, value: ...}} entry; a null filter (or {@code "*"}) matches every tensor.
 */
public record FilterRule(String filter, ParameterValue value) {

    /** Whether this rule applies to the tensor of that name. */
    public boolean matches(String tensorName) {
        return filter == null || filter.equals("*") || tensorName.contains(filter);
    }
}
