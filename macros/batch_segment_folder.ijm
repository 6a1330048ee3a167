// MVP-SEG: segment every image of a folder; saves labels, probabilities and the results table per image
// (with objects=[nucleus, cell] or objects=all also the object ids and the per-object table).
// Batch use:  ImageJ -batch batch_segment_folder.ijm "input=/path/images output=/path/out classes=[cat, grass, sky] weights=/path/ViT-B-16.pt"
// The model is loaded once for the whole folder.
// Errors end the macro with their message, never with a dialog that waits when the macro runs headless.
function fail(message) {
	print(message);
	if (getArgument() != "") exit;
	exit(message);
}
args = getArgument();
if (args == "") {
	input = getDirectory("Folder of images");
	output = getDirectory("Folder for results");
	Dialog.create("MVP-SEG: batch");
	Dialog.addString("classes", "nucleus, cytoplasm, background", 40);
	Dialog.addString("weights (empty: download ViT-B/16)", "", 40);
	Dialog.addString("prompts (optional)", "", 40);
	Dialog.show();
	args = "input=[" + input + "] output=[" + output + "] classes=[" + Dialog.getString() + "] weights=[" + Dialog.getString() + "] prompts=[" + Dialog.getString() + "]";
}
function value(key, fallback) {
	return call("ij.Macro.getValue", args, key, fallback);
}
input = value("input", "");
output = value("output", "");
if (input == "" || output == "") fail("MVP-SEG: give input=<folder> output=<folder>");
File.makeDirectory(output);
setBatchMode(true);
// Every key of Segment by Name, forwarded when given (see macros/README.md).
function segmentOptions() {
	o = "classes=[" + value("classes", "nucleus, background") + "] model=[" + value("model", "ViT-B/16") + "] weights=[" + value("weights", "") + "] prompts=[" + value("prompts", "") + "] student=[" + value("student", "") + "]";
	keys = newArray("template", "channels", "dense_mode", "window", "stride", "protocol", "temperature", "denoise", "key_smoothing", "planes", "device", "objects", "min_size", "connectivity");
	for (k = 0; k < keys.length; k++) {
		v = value(keys[k], "");
		if (v != "") o = o + " " + keys[k] + "=[" + v + "]";
	}
	flags = newArray("pamr", "no_gpr", "half_precision");
	for (k = 0; k < flags.length; k++) {
		v = value(flags[k], "false"); // a string function on the left of == would be read as a number
		if (v == "true") o = o + " " + flags[k];
	}
	return o;
}
// on_error=continue: a bad image is skipped (its error read below); a set-up error stops the folder.
options = "" + segmentOptions() + " show_labels show_probabilities show_table on_error=continue";
list = getFileList(input);
done = 0;
failed = 0;
for (i = 0; i < list.length; i++) {
	name = list[i];
	lower = toLowerCase(name);
	if (!(endsWith(lower, ".tif") || endsWith(lower, ".tiff") || endsWith(lower, ".png") || endsWith(lower, ".jpg") || endsWith(lower, ".jpeg"))) continue;
	opened = call("org.mvpseg.fiji.MacroCalls.open", input + File.separator + name); // a damaged file is a message, not a dialog
	if (opened != "") {
		print("MVP-SEG: skipped " + name + " (" + opened + ")");
		failed++;
		continue;
	}
	title = getTitle();
	base = File.getNameWithoutExtension(title);
	print("MVP-SEG: [" + (i + 1) + "/" + list.length + "] " + name);
	run("Segment by Name...", options);
	error = call("org.mvpseg.fiji.Errors.lastError");
	if (error != "") {
		selectImage(title);
		close();
		fatal = call("org.mvpseg.fiji.Errors.lastErrorFatal");
		if (fatal == "true") fail("MVP-SEG: stopped after " + done + " image(s) (" + error + ")");
		print("MVP-SEG: skipped " + name + " (" + error + ")");
		failed++;
		continue;
	}
	if (isOpen(base + "-labels")) {
		selectImage(base + "-labels");
		saveAs("Tiff", output + File.separator + base + ".labels.tif");
		close();
		selectImage(base + "-probabilities");
		saveAs("Tiff", output + File.separator + base + ".probabilities.tif");
		close();
		selectWindow("MVP-SEG Results");
		saveAs("Results", output + File.separator + base + ".results.csv");
		if (isOpen(base + "-objects")) { // objects=[a, b] or objects=all: the object ids and one table row per object
			selectImage(base + "-objects");
			saveAs("Tiff", output + File.separator + base + ".objects.tif");
			close();
			selectWindow("MVP-SEG Objects");
			saveAs("Results", output + File.separator + base + ".objects.csv");
		}
		done++;
	}
	selectImage(title);
	close();
}
print("MVP-SEG: segmented " + done + " image(s) into " + output + "; " + failed + " failed");
