#pragma once

struct Invocation;

/// `millrace models list|show|register|promote|alias|export-onnx`: the model registry from the
/// command line, as tables or as MLflow-shaped JSON (--json). list, show and export-onnx read
/// without taking the workspace, so they work while the app runs; the others change the
/// registry and need the workspace to themselves.
int runModelsCommand(const Invocation &invocation);
/// The usage text of `millrace models`, for `millrace models --help`.
const char *modelsUsage();
