package org.mvpseg.fiji;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.Macro;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mvpseg.imagej.DatasetFolder;
import org.mvpseg.runtime.RequestException;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleService;
import org.scijava.ui.UIService;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What dialogs show and remember, without a window (the real window: RealImageJTest). */
class DialogsTest {

	@TempDir
	Path config;

	private String saved;

	@BeforeEach
	void useATemporaryConfigFolder() {
		saved = System.getProperty(LastValues.PROPERTY);
		System.setProperty(LastValues.PROPERTY, config.toString());
	}

	@AfterEach
	void restore() {
		if (saved == null) System.clearProperty(LastValues.PROPERTY);
		else System.setProperty(LastValues.PROPERTY, saved);
	}

	static final List<Class<?>> COMMANDS = List.of(SegmentByNameCommand.class, ExploreNamesCommand.class, TrainPromptsCommand.class,
		EvaluateSegmentationCommand.class, ModelsEngineCommand.class, AdaptCommand.class);

	/** ImageJ records and reads a field under Macro.trimKey(label): that must be the field's name, for every field. */
	@Test
	void everyDialogLabelRecordsItsFieldName() {
		for (Class<?> c : COMMANDS)
			for (Field f : Ij1Bridge.inputs(c)) {
				String label = Ij1Dialog.label(f);
				assertEquals(f.getName(), Macro.trimKey(label), c.getSimpleName() + ": " + label);
				assertTrue(label.length() > f.getName().length() + 4, "a label says what the field is: " + label);
			}
	}

	/**
	 * Segment by Name's main dialog holds what a biologist sets every time; the rest is one click away (Advanced...),
	 * and the Recorder's line still names every key, so that line replays the whole run.
	 */
	@Test
	void theMainDialogIsShortAndTheRecordedLineStillHasEveryKey() throws Exception {
		List<String> main = Ij1Dialog.main(Ij1Bridge.inputs(SegmentByNameCommand.class)).stream().map(Field::getName)
			.toList();
		assertEquals(List.of("input", "classes", "prompts", "objects", "model", "show_labels", "show_probabilities",
			"add_rois", "show_table"), main);
		SegmentByNameCommand cmd = new SegmentByNameCommand();
		cmd.window = 160;
		cmd.pamr = true;
		cmd.template = "a micrograph of {}.";
		cmd.temperature = 40;
		cmd.denoise = 0.5;
		ij.plugin.frame.Recorder.resetCommandOptions();
		Ij1Dialog.record(cmd, Ij1Dialog.advanced(Ij1Bridge.inputs(SegmentByNameCommand.class)));
		String line = ij.plugin.frame.Recorder.getCommandOptions();
		ij.plugin.frame.Recorder.resetCommandOptions();
		for (String key : new String[] { "window=160", "pamr", "template=[a micrograph of {}.]", "temperature=40",
			"denoise=0.5", "dense_mode=automatic", "device=auto", "planes=[Current plane]", "weights=[]", "channels=[]",
			"min_size=0", "connectivity=8" })
			assertTrue(line.contains(key), key + " in " + line);
		assertFalse(line.contains("no_gpr"), "check boxes that are off are not written (ImageJ's rule): " + line);
		SegmentByNameCommand replayed = new SegmentByNameCommand();
		Ij1Bridge.fill(replayed, line + " classes=[a, b]");
		for (Field f : Ij1Dialog.advanced(Ij1Bridge.inputs(SegmentByNameCommand.class)))
			assertEquals(f.get(cmd), f.get(replayed), "the recorded line gives back " + f.getName());
	}

	/**
	 * Fiji: the advanced inputs are resolved before SciJava's dialog (which shows unresolved inputs only) and after
	 * imagej-legacy's recorder preprocessor (which leaves out only the inputs resolved before it): shown are the main
	 * inputs and the Advanced... button; every input keeps a value the recorder writes.
	 */
	@Test
	void fijiShowsTheMainInputsAndTheAdvancedButton() throws Exception {
		try (Context ctx = new Context(CommandService.class, ModuleService.class)) {
			Module module = ctx.service(ModuleService.class).createModule(ctx.service(CommandService.class).getCommand(
				SegmentByNameCommand.class));
			RememberedInputs.load(module);
			List<String> shown = new java.util.ArrayList<>();
			for (var item : module.getInfo().inputs())
				if (!module.isInputResolved(item.getName()) && !org.scijava.service.Service.class.isAssignableFrom(item
					.getType())) shown.add(item.getName()); // services: resolved by SciJava before any dialog
			assertEquals(List.of("model", "input", "classes", "prompts", "show_labels", "show_probabilities", "add_rois",
				"show_table", "objects", "advanced"), shown, "SciJava shows a superclass's fields first");
			for (Class<?> c : COMMANDS)
				if (ModelCommand.class.isAssignableFrom(c)) {
					var inputs = ctx.service(CommandService.class).getCommand(c.asSubclass(org.scijava.command.Command.class))
						.inputs();
					String last = null;
					for (var item : inputs) if (!org.scijava.service.Service.class.isAssignableFrom(item.getType())) last = item.getName();
					assertEquals("advanced", last, c.getSimpleName() + ": the Advanced... button comes last");
				}
			for (Field f : Ij1Bridge.inputs(SegmentByNameCommand.class))
				if (f.getType() != ij.ImagePlus.class) assertTrue(module.getInput(f.getName()) != null, f.getName());
			var button = module.getInfo().getInput("advanced");
			assertEquals("showAdvanced", button.getCallback());
			assertTrue(new org.scijava.module.MethodRef(SegmentByNameCommand.class, "showAdvanced").isValid(),
				"the button's callback is found (in ModelCommand)");
		}
	}

	@Test
	void helpListsEveryKeyWithItsDescription() {
		String help = Ij1Dialog.help(SegmentByNameCommand.class, "Segment by Name");
		for (Field f : Ij1Bridge.inputs(SegmentByNameCommand.class))
			if (f.getType() != ij.ImagePlus.class) assertTrue(help.contains("<tt>" + f.getName() + "</tt>"), f.getName());
		assertTrue(help.contains("sliding windows at the image's own resolution"), "descriptions too");
		assertTrue(help.contains("Label value 0 is the first class name"));
		assertTrue(help.contains("used instead of the model"));
	}

	@Test
	void confirmedValuesComeBackAndDamagedFilesOnlyCostThem() throws Exception {
		SegmentByNameCommand a = new SegmentByNameCommand();
		a.classes = "nucleus, background";
		a.weights = "/data/my weights.pt";
		a.window = 320;
		a.temperature = 0.5;
		a.show_probabilities = false;
		LastValues.save(a);
		SegmentByNameCommand b = new SegmentByNameCommand();
		LastValues.load(b);
		assertEquals("nucleus, background", b.classes);
		assertEquals("/data/my weights.pt", b.weights);
		assertEquals(320, b.window);
		assertEquals(0.5, b.temperature);
		assertFalse(b.show_probabilities);
		Files.writeString(LastValues.file(SegmentByNameCommand.class), "window=abc\nclasses=x, y\n");
		SegmentByNameCommand c = new SegmentByNameCommand();
		LastValues.load(c);
		assertEquals(0, c.window, "a value that is not a number leaves the default");
		assertEquals("x, y", c.classes);
		assertFalse(Files.exists(LastValues.file(TrainPromptsCommand.class)), "per command");
	}

	/** A macro (options set) never loads remembered values: its omitted keys take the defaults. */
	@Test
	void aMacroRunIgnoresRememberedValues() {
		SegmentByNameCommand a = new SegmentByNameCommand();
		a.window = 320;
		LastValues.save(a);
		SegmentByNameCommand m = new SegmentByNameCommand();
		Ij1Bridge.fill(m, "classes=[a, b]");
		assertEquals(0, m.window);
	}

	/** In Fiji: remembered values fill only the inputs not given, only in a shown UI outside a macro. */
	@Test
	void sciJavaDialogsRememberOnlyInteractively() throws Exception {
		SegmentByNameCommand a = new SegmentByNameCommand();
		a.window = 320;
		a.classes = "remembered, classes";
		LastValues.save(a);
		try (Context ctx = new Context(CommandService.class, ModuleService.class, UIService.class)) {
			Module module = ctx.service(ModuleService.class).createModule(ctx.service(CommandService.class).getCommand(
				SegmentByNameCommand.class));
			assertFalse(RememberedInputs.interactive(module, ctx.service(UIService.class)), "no UI shown: no dialog");
			module.setInput("classes", "given, here");
			module.resolveInput("classes");
			RememberedInputs.load(module);
			SegmentByNameCommand cmd = (SegmentByNameCommand) module.getDelegateObject();
			assertEquals(320, cmd.window, "not given: the remembered value");
			assertEquals("given, here", cmd.classes, "given: kept");
			cmd.window = 400;
			RememberedInputs.save(module);
			SegmentByNameCommand again = new SegmentByNameCommand();
			LastValues.load(again);
			assertEquals(400, again.window);
		}
		Thread.currentThread().setName("Run$_remember");
		Macro.setOptions("classes=[a, b]");
		java.io.PrintStream out = System.out;
		java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
		try (Context ctx = new Context(CommandService.class, ModuleService.class)) {
			assertTrue(RememberedInputs.macroRunning(), "a macro's run never loads remembered values");
			Module module = ctx.service(ModuleService.class).createModule(ctx.service(CommandService.class).getCommand(
				SegmentByNameCommand.class));
			Macro.setOptions("clases=[a, b] classes=[a, b]");
			System.setOut(new java.io.PrintStream(log, true));
			new RememberedInputs.Load().process(module); // Fiji's path for a macro line
			assertEquals(0, ((SegmentByNameCommand) module.getDelegateObject()).window, "nothing remembered in a macro");
		}
		finally {
			System.setOut(out);
			Macro.setOptions(null);
		}
		assertTrue(log.toString().contains("unknown macro key(s) clases ignored"), log.toString());
	}

	@Test
	void aBlankDatasetFolderSaysWhatTheFolderNeeds() {
		RequestException e = assertThrows(RequestException.class, () -> DatasetFolder.load(" "));
		assertTrue(e.getMessage().contains("images/, labels/") && e.getMessage().contains("classes.txt"), e
			.getMessage());
	}
}
