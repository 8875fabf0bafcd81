#pragma once

#include <QJsonObject>
#include <QString>
#include <QtPlugin>

#include <memory>

namespace torch::nn {
class Module;
}

namespace millrace::plugins {

/// A trainable model family (a CNN for images, an MLP for tables). The training engine asks it
/// for a fresh network; everything else (optimiser, loops, evaluation) is the engine's. The header
/// names torch types only by declaration, so including it costs nothing; implementations include
/// LibTorch in their .cpp files.
class ModelArchitecture
{
public:
    virtual ~ModelArchitecture() = default;

    /// What inputs the network takes, e.g. "image/28x28x1" or "tabular".
    virtual QString inputKind() const = 0;
    /// Hyperparameters with their defaults (layer sizes, dropout, ...), shown in the UI.
    virtual QJsonObject defaultHyperparameters() const = 0;
    /// Builds an untrained network for `inputShape`-shaped inputs and `classes` outputs. Throws
    /// std::invalid_argument with a message on bad hyperparameters.
    virtual std::shared_ptr<torch::nn::Module> create(const QJsonObject &hyperparameters,
                                                      int classes) const = 0;
};

} // namespace millrace::plugins

#define MillraceModelArchitecture_iid "org.millrace.ModelArchitecture/1"
Q_DECLARE_INTERFACE(millrace::plugins::ModelArchitecture, MillraceModelArchitecture_iid)
