package org.mvpseg.fiji;

import org.mvpseg.pipeline.ModelService;
import org.scijava.plugin.Plugin;
import org.scijava.service.AbstractService;
import org.scijava.service.Service;

/**
 * The loaded CLIP model's lifecycle in a SciJava context: it owns the process-wide
 * {@link ModelService} (which the command line and plain ImageJ use directly) and frees its native
 * memory when Fiji disposes the context.
 */
@Plugin(type = Service.class)
public class MvpSegModelService extends AbstractService {

	public ModelService models() {
		return ModelService.shared();
	}

	@Override
	public void dispose() {
		ModelService.shared().dispose();
	}
}
