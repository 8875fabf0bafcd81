#pragma once

#include "core/base/result.h"
#include "core/ml/model.h"
#include "core/streams/endpoint.h"

#include <functional>

namespace millrace {
class PluginManager;
class Session;
class Workspace;
namespace registry {
class RegistryStore;
}
namespace tracking {
class TrackingStore;
}
} // namespace millrace

namespace millrace::pipeline {

/// What the pipeline operators work with: the workspace (its folders and batches), tracking,
/// the registry, the model architectures and message codecs of the loaded plugins, and the
/// Kafka cluster the streams service uses. Everything referenced must outlive the operators;
/// the operators call into it from executor threads, so it must be safe to use from any
/// thread (the stores are; `endpoint` must be).
struct PipelineEnvironment
{
    Workspace &workspace;
    tracking::TrackingStore &tracking;
    registry::RegistryStore &registry;
    /// The model architectures of the loaded plugins.
    ml::ArchitectureLookup architectures;
    /// The loaded plugins, for message codecs.
    const PluginManager &plugins;
    /// The cluster the streams service is using right now, or why there is none.
    std::function<Result<streams::ClusterEndpoint>()> endpoint;
};

/// The environment of an open session: its workspace, stores and plugins, and the cluster of its
/// streams service once startServices() ran (before that, or with streams disabled, tasks that
/// need Kafka fail saying so). `session` must outlive the environment.
PipelineEnvironment pipelineEnvironment(Session &session);

} // namespace millrace::pipeline
