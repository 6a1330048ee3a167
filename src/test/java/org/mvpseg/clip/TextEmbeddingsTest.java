package org.mvpseg.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.segment.Templates;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The class-name embedding cache: exact keys, no text-tower pass for a name seen before, a disk copy that survives. */
class TextEmbeddingsTest {

	static final Path VIT = PrefixReuseTest.weights("clip-vit-tiny"), RN = PrefixReuseTest.weights("clip-rn-tiny");
	static final List<String> TEMPLATES = Templates.ensemble().subList(0, 20);

	static float[][] of(ClipModel clip, List<String> templates, TextEmbeddings.Disk disk, String... names) {
		return clip.textEmbeddings().of(templates, List.of(names), disk, done -> {});
	}

	@Test
	void aNameSeenBeforeCostsNoTextTowerPass() throws Exception {
		try (NDManager m = NDManager.newBaseManager(); ClipModel clip = ClipModel.load(VIT, m)) {
			long p0 = clip.textPasses();
			float[][] first = of(clip, TEMPLATES, null, "cat", "dog");
			long p1 = clip.textPasses();
			assertTrue(p1 > p0);
			float[][] again = of(clip, TEMPLATES, null, "dog", "cat");
			assertEquals(p1, clip.textPasses(), "names seen before ran the text tower");
			assertArrayEquals(first[0], again[1]);
			assertArrayEquals(first[1], again[0]);
			// a new name of the same token length: the same passes less the templates' prefix pass, done once
			of(clip, TEMPLATES, null, "bird");
			assertEquals(p1 - p0 - 1, clip.textPasses() - p1);
			assertEquals(3, clip.textEmbeddings().size());
			clip.close();
			assertEquals(0, clip.textEmbeddings().size(), "closing the model clears its embeddings");
		}
	}

	@Test
	void otherTemplatesOrOtherWeightsNeverReuseAnEmbedding(@TempDir Path dir) throws Exception {
		List<String> other = Templates.ensemble().subList(20, 40);
		// the same first 19 templates and one more: a key of the count and a weak hash would be the first thing to fool
		List<String> almost = new java.util.ArrayList<>(TEMPLATES.subList(0, 19));
		almost.add(TEMPLATES.get(19).replace(".", "!"));
		try (NDManager m = NDManager.newBaseManager(); ClipModel vit = ClipModel.load(VIT, m);
			ClipModel rn = ClipModel.load(RN, m))
		{
			TextEmbeddings.Disk a = new TextEmbeddings.Disk(dir, "weights-a"), b = new TextEmbeddings.Disk(dir, "weights-b");
			float[] cat = of(vit, TEMPLATES, a, "cat")[0];
			for (List<String> t : List.of(other, almost)) {
				long p = vit.textPasses();
				assertFalse(java.util.Arrays.equals(cat, of(vit, t, a, "cat")[0]));
				assertTrue(vit.textPasses() > p, "other templates reused an embedding");
			}
			long p = rn.textPasses();
			float[] rnCat = of(rn, TEMPLATES, b, "cat")[0]; // same folder, same templates, other weights
			assertTrue(rn.textPasses() > p, "other weights read another model's file");
			assertFalse(java.util.Arrays.equals(cat, rnCat));
			try (ClipModel fresh = ClipModel.load(RN, m)) {
				assertArrayEquals(rnCat, of(fresh, TEMPLATES, null, "cat")[0]);
			}
		}
	}

	@Test
	void theDiskCopySurvivesANewProcessAndADamagedFileIsComputedAgain(@TempDir Path dir) throws Exception {
		TextEmbeddings.Disk disk = new TextEmbeddings.Disk(dir.resolve("text-embeddings"), "weights-a");
		float[][] expected;
		try (NDManager m = NDManager.newBaseManager()) {
			try (ClipModel clip = ClipModel.load(VIT, m)) {
				expected = of(clip, TEMPLATES, disk, "cat", "dog", "bird");
			}
			List<Path> files = files(disk.dir());
			assertEquals(3, files.size());
			try (ClipModel clip = ClipModel.load(VIT, m)) { // a new model: nothing in memory
				long p = clip.textPasses();
				float[][] read = of(clip, TEMPLATES, disk, "cat", "dog", "bird");
				assertEquals(p, clip.textPasses(), "read from disk without a pass");
				for (int i = 0; i < 3; i++) assertArrayEquals(expected[i], read[i]);
			}
			// damage: a flipped bit in the values (CRC), a truncated file, garbage, another name's file in its place
			byte[] cat = Files.readAllBytes(files.get(0));
			byte[] flipped = cat.clone();
			flipped[flipped.length - 20] ^= 1;
			Files.write(files.get(0), flipped);
			Files.write(files.get(1), java.util.Arrays.copyOf(cat, cat.length / 2));
			Files.write(files.get(2), "not an embedding".getBytes());
			for (int round = 0; round < 2; round++) {
				try (ClipModel clip = ClipModel.load(VIT, m)) {
					long p = clip.textPasses();
					float[][] read = of(clip, TEMPLATES, disk, "cat", "dog", "bird");
					for (int i = 0; i < 3; i++) assertArrayEquals(expected[i], read[i]);
					if (round == 0) assertTrue(clip.textPasses() > p, "damaged files were used");
					else assertEquals(p, clip.textPasses(), "the damaged files were not written again");
				}
			}
			Path a = files.get(0), b = files.get(1);
			Files.copy(b, a, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // intact, but another key
			try (ClipModel clip = ClipModel.load(VIT, m)) {
				long p = clip.textPasses();
				float[][] read = of(clip, TEMPLATES, disk, "cat", "dog", "bird");
				for (int i = 0; i < 3; i++) assertArrayEquals(expected[i], read[i]);
				assertTrue(clip.textPasses() > p, "a file holding another key was used");
			}
			assertEquals(3, files(disk.dir()).size(), "no temporary file left behind");
		}
	}

	/** The cache's files, in a fixed order. */
	private static List<Path> files(Path dir) throws Exception {
		try (Stream<Path> s = Files.list(dir)) {
			return s.sorted().toList();
		}
	}

	/** Two threads sharing the model (and its prefixes being computed) get what one thread gets. */
	@Test
	void sharedBetweenThreads() throws Exception {
		List<String> names = List.of("cat", "dog", "bird", "tv monitor", "fish", "dining table");
		float[][] expected;
		try (NDManager m = NDManager.newBaseManager()) {
			try (ClipModel clip = ClipModel.load(VIT, m)) {
				expected = clip.textEmbeddings().of(TEMPLATES, names, null, d -> {});
			}
			try (ClipModel clip = ClipModel.load(VIT, m)) {
				var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
				try {
					List<java.util.concurrent.Future<float[][]>> jobs = new java.util.ArrayList<>();
					for (int i = 0; i < 6; i++) {
						List<String> one = List.of(names.get(i), names.get((i + 3) % 6));
						jobs.add(pool.submit(() -> clip.textEmbeddings().of(TEMPLATES, one, null, d -> {})));
					}
					for (int i = 0; i < 6; i++) {
						float[][] got = jobs.get(i).get();
						assertArrayEquals(expected[i], got[0], 1e-6f);
						assertArrayEquals(expected[(i + 3) % 6], got[1], 1e-6f);
					}
				}
				finally {
					pool.shutdown();
				}
			}
		}
	}

	@Test
	void templateKeysAreExact() {
		assertEquals(TextEmbeddings.sha256(List.of("a {}.")), TextEmbeddings.sha256(List.of("a {}.")));
		assertFalse(TextEmbeddings.sha256(List.of("a {}.", "b {}.")).equals(TextEmbeddings.sha256(List.of("a {}.b {}."))));
		assertFalse(TextEmbeddings.sha256(List.of("a {}.", "b {}.")).equals(TextEmbeddings.sha256(List.of("b {}.",
			"a {}."))));
		assertEquals(64, TextEmbeddings.sha256(List.of()).length());
	}
}
