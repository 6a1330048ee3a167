package org.mvpseg;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Locates the test resources copied from the reference fixtures. */
public final class TestFiles {

	private TestFiles() {}

	public static Path fixture(String name) {
		try {
			return Path.of(TestFiles.class.getResource("/fixtures/" + name).toURI());
		}
		catch (URISyntaxException | NullPointerException e) {
			throw new IllegalStateException("test resource fixtures/" + name + " is missing", e);
		}
	}
}
