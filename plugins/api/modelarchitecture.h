#pragma once

#include "core/ml/architecture.h"

#include <QtPlugin>

namespace millrace::plugins {

/// A plugin that provides a trainable model family (an image CNN, a tabular MLP). The family
/// itself is a plain-C++ ml::Architecture, so the training engine, the CLI and tests use it
/// without Qt; the plugin only makes it loadable. Implementations include LibTorch (through
/// core/ml/network.h) in their .cpp files.
class ModelArchitecture
{
public:
    virtual ~ModelArchitecture() = default;

    /// The architecture this plugin provides; it lives as long as the plugin.
    virtual const ml::Architecture &architecture() const = 0;
};

} // namespace millrace::plugins

#define MillraceModelArchitecture_iid "org.millrace.ModelArchitecture/2"
Q_DECLARE_INTERFACE(millrace::plugins::ModelArchitecture, MillraceModelArchitecture_iid)
