package org.mvpseg.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

class ModelRegistryTest {

	@TempDir
	Path tmp;

	@Test
	void builtInListsOpenAisNineReleases() {
		ModelRegistry r = ModelRegistry.builtIn();
		assertEquals(9, r.entries().stream().filter(e -> e.url().contains("openaipublic")).count());
		ModelRegistry.Entry e = r.get(ModelRegistry.DEFAULT_MODEL);
		assertEquals("ViT-B-16.pt", e.file());
		assertTrue(e.url().endsWith("/" + e.sha256() + "/ViT-B-16.pt"), "the SHA-256 is the address's folder");
		assertEquals(e, r.get("vit-b-16"));
		assertEquals(e, r.get("ViT-B-16.pt"));
		IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> r.get("ViT-Z/99"));
		assertTrue(ex.getMessage().contains("RN50") && ex.getMessage().contains("--weights"), ex.getMessage());
	}

	@Test
	void badRegistryFilesAreRefused() throws IOException {
		Path f = Files.writeString(tmp.resolve("r.json"), "{\"models\": {\"x\": {\"url\": \"http://h/x.pt\", "
			+ "\"sha256\": \"abc\"}}}");
		assertThrows(IOException.class, () -> ModelRegistry.read(f));
		Path g = Files.writeString(tmp.resolve("g.json"), "{\"models\": {\"x\": {\"url\": \"http://h/x.pt\", "
			+ "\"sha256\": \"" + "a".repeat(64) + "\", \"file\": \"../evil.pt\"}}}");
		IOException e = assertThrows(IOException.class, () -> ModelRegistry.read(g));
		assertTrue(e.getMessage().contains("unsafe"), e.getMessage());
		assertThrows(IOException.class, () -> ModelRegistry.read(Files.writeString(tmp.resolve("n.json"), "[]")));
	}

	@Test
	void cacheLocationFollowsFlagThenProperty() {
		assertEquals(tmp.toAbsolutePath(), ModelCache.locate(tmp).dir());
		String old = System.getProperty(ModelCache.PROPERTY);
		try {
			System.setProperty(ModelCache.PROPERTY, tmp.resolve("p").toString());
			assertEquals(tmp.resolve("p").toAbsolutePath(), ModelCache.locate(null).dir());
		}
		finally {
			if (old == null) System.clearProperty(ModelCache.PROPERTY);
			else System.setProperty(ModelCache.PROPERTY, old);
		}
	}
}
