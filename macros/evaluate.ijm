// MVP-SEG: evaluate learned prompts (and the zero-shot baseline) on an annotated folder.
// Batch use:  ImageJ -batch evaluate.ijm "input=/data/test prompts=/data/cells.prompts classes=[nucleus, membrane] output=/data/eval.json weights=/models/ViT-B-16.pt"
// Keys: input (the folder), prompts (optional: without it only zero-shot), classes (the seen classes;
//       all other classes of classes.txt count as unseen), output (a JSON file; optional), weights or model.
// Errors end the macro with their message, never with a dialog that waits when the macro runs headless.
function fail(message) {
	print(message);
	if (getArgument() != "") exit;
	exit(message);
}
args = getArgument();
if (args == "") {
	input = getDirectory("Folder with images/, labels/ and classes.txt");
	Dialog.create("MVP-SEG: Evaluate");
	Dialog.addString("prompt set (optional)", "", 40);
	Dialog.addString("seen classes", "nucleus, background", 40);
	Dialog.addString("weights (empty: download ViT-B/16)", "", 40);
	Dialog.show();
	args = "input=[" + input + "] prompts=[" + Dialog.getString() + "] classes=[" + Dialog.getString() + "] weights=[" + Dialog.getString() + "]";
}
function value(key, fallback) {
	return call("ij.Macro.getValue", args, key, fallback);
}
input = value("input", "");
if (input == "") fail("MVP-SEG: give input=<dataset folder>");
options = "data_folder=[" + input + "] prompts=[" + value("prompts", "") + "] zero_shot seen=[" + value("classes", "") + "] model=[" + value("model", "ViT-B/16") + "] weights=[" + value("weights", "") + "] json_out=[" + value("output", "") + "]";
run("Evaluate...", options);
