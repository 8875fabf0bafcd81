#pragma once

#include "core/registry/registrytypes.h"

#include <QJsonObject>

namespace millrace::registry {

/// Registry entities as MLflow's REST API spells them in JSON (its `ModelVersion` and
/// `RegisteredModel` protos): versions as strings, stages and statuses by MLflow's names, empty
/// lists and unset optional fields left out.
///
/// MLflow sets a version's `description`, `run_id` and `run_link` on every version made through
/// its REST API, so they are always present here, empty or not. `withAliases` adds the version's
/// aliases: MLflow lists them when one version is asked for, but not in search results or in a
/// model's `latest_versions`.
QJsonObject modelVersionJson(const ModelVersion &version, bool withAliases);
QJsonObject registeredModelJson(const RegisteredModel &model);

} // namespace millrace::registry
