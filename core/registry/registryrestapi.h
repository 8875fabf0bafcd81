#pragma once

#include "core/tracking/restarguments.h"

#include <QList>

namespace millrace::tracking {
class TrackingStore;
}

namespace millrace::registry {

class RegistryStore;

/// The actor recorded in the registry's history for changes made through the REST API.
inline constexpr char kRestActor[] = "mlflow REST API";

/// MLflow's model registry REST API over `registry`: the `registered-models/...` and
/// `model-versions/...` endpoints of MLflow 3.17.2 with its HTTP methods, argument checks, JSON
/// shapes and error codes, for the tracking server to serve beside the tracking API. `tracking`
/// checks that a new version's source belongs to the run it names, as MLflow's server does. Both
/// stores must outlive the endpoints.
QList<tracking::RestEndpoint> registryEndpoints(RegistryStore &registry,
                                                tracking::TrackingStore &tracking);

} // namespace millrace::registry
