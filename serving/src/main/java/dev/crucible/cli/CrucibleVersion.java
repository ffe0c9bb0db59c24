package dev.crucible.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest (or "dev" when run from classes). */
public final class CrucibleVersion implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = CrucibleVersion.class.getPackage().getImplementationVersion();
        return new String[] {"crucible " + (v == null ? "dev" : v), "Java " + Runtime.version()};
    }
}
