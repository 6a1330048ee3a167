package org.mvpseg.fiji;

import org.mvpseg.models.ModelRegistry;

import java.util.List;

/**
 * Model choice lists are the built-in registry's names: plain ImageJ's dialog reads them here; SciJava
 * needs them as annotation constants, which a test keeps equal to the registry.
 */
final class ModelChoices {

	private ModelChoices() {}

	static List<String> names() {
		List<String> names = new java.util.ArrayList<>(List.of(ModelRegistry.DEFAULT_MODEL)); // the default first
		for (ModelRegistry.Entry e : ModelRegistry.builtIn().entries()) if (!names.contains(e.name())) names.add(e
			.name());
		return names;
	}
}
