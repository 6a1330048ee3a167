// MVP-SEG: segment the current image by class names.
// Batch use:  ImageJ -batch segment_current_image.ijm "input=/path/image.tif output=/path/out classes=[nucleus, background] weights=/path/ViT-B-16.pt"
// Keys: input (optional when an image is open), output (folder; optional), classes, weights or model, student (optional),
//       prompts (a trained prompt set; optional), objects (classes to split into objects, or all; optional), min_size,
//       connectivity. Values with spaces go in [brackets].
// Errors end the macro with their message, never with a dialog that waits when the macro runs headless.
function fail(message) {
	print(message);
	if (getArgument() != "") exit;
	exit(message);
}
args = getArgument();
if (args == "") {
	Dialog.create("MVP-SEG: Segment current image");
	Dialog.addString("classes", "nucleus, cytoplasm, background", 40);
	Dialog.addString("weights (empty: download ViT-B/16)", "", 40);
	Dialog.addString("prompts (optional)", "", 40);
	Dialog.show();
	args = "classes=[" + Dialog.getString() + "] weights=[" + Dialog.getString() + "] prompts=[" + Dialog.getString() + "]";
}
function value(key, fallback) {
	v = call("ij.Macro.getValue", args, key, fallback);
	return v;
}
input = value("input", "");
output = value("output", "");
if (input != "") open(input);
if (nImages == 0) exit("MVP-SEG: no image; give input=/path/to/image");
title = getTitle();
// Every key of Segment by Name, forwarded when given (see macros/README.md).
function segmentOptions() {
	o = "classes=[" + value("classes", "nucleus, background") + "] model=[" + value("model", "ViT-B/16") + "] weights=[" + value("weights", "") + "] prompts=[" + value("prompts", "") + "] student=[" + value("student", "") + "]";
	keys = newArray("template", "channels", "dense_mode", "window", "stride", "protocol", "temperature", "denoise", "key_smoothing", "planes", "device", "objects", "min_size", "connectivity");
	for (k = 0; k < keys.length; k++) {
		v = value(keys[k], "");
		if (v != "") o = o + " " + keys[k] + "=[" + v + "]";
	}
	flags = newArray("pamr", "no_gpr", "half_precision", "replace_rois");
	for (k = 0; k < flags.length; k++) {
		v = value(flags[k], "false"); // a string function on the left of == would be read as a number
		if (v == "true") o = o + " " + flags[k];
	}
	return o;
}
options = "" + segmentOptions() + " show_labels show_probabilities add_rois show_table";
run("Segment by Name...", options); // on an error the command ends this macro with its message
base = File.getNameWithoutExtension(title);
if (!isOpen(base + "-labels")) exit("MVP-SEG: no result for " + title + "; see the Log");
print("MVP-SEG: " + roiManager("count") + " ROI(s) in the ROI Manager");
if (output != "") {
	File.makeDirectory(output);
	selectImage(base + "-labels");
	saveAs("Tiff", output + File.separator + base + ".labels.tif");
	selectImage(base + "-probabilities");
	saveAs("Tiff", output + File.separator + base + ".probabilities.tif");
	selectWindow("MVP-SEG Results");
	saveAs("Results", output + File.separator + base + ".results.csv");
	if (isOpen(base + "-objects")) {
		selectImage(base + "-objects");
		saveAs("Tiff", output + File.separator + base + ".objects.tif");
		selectWindow("MVP-SEG Objects");
		saveAs("Results", output + File.separator + base + ".objects.csv");
	}
}
