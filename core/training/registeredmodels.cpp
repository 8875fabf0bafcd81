#include "core/training/registeredmodels.h"

#include "core/registry/registrystore.h"

namespace millrace::training {

Result<ml::Model> loadRegisteredModel(const registry::RegistryStore &registry,
                                      const ml::ArchitectureLookup &architectures,
                                      const QString &name, qint64 version)
{
    auto found = registry.modelVersion(name, version);
    if (!found)
        return found.error();
    if (found->directory.isEmpty())
        return fail(QStringLiteral("version %1 of %2 has no model files (%3)")
                        .arg(version)
                        .arg(name, registry::toString(found->status)));
    auto model = ml::Model::load(found->directory.toStdString(), architectures);
    if (!model)
        return fail(QStringLiteral("version %1 of %2: %3")
                        .arg(version)
                        .arg(name, QString::fromStdString(model.error().message)));
    return std::move(model).value();
}

Result<ml::OnnxExportReport> exportVersionToOnnx(const registry::RegistryStore &registry,
                                                 const ml::ArchitectureLookup &architectures,
                                                 const QString &name, qint64 version,
                                                 const QString &outputDirectory,
                                                 const ml::OnnxExportOptions &options)
{
    auto model = loadRegisteredModel(registry, architectures, name, version);
    if (!model)
        return model.error();
    auto report = ml::exportOnnx(*model, outputDirectory.toStdString(), options);
    if (!report)
        return fail(QStringLiteral("version %1 of %2: %3")
                        .arg(version)
                        .arg(name, QString::fromStdString(report.error().message)));
    return std::move(report).value();
}

} // namespace millrace::training
