#pragma once

#include "core/tracking/trackingtypes.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace millrace::registry {

using tracking::KeyValueList;
using tracking::Page;

/// Where a model version stands in its life, as MLflow's registry names the stages.
enum class Stage { None, Staging, Production, Archived };

/// Whether a version's files are in place: PENDING while they are copied, READY once they are,
/// FAILED when copying failed or was interrupted (the version then has no files).
enum class VersionStatus { Pending, Ready, Failed };

/// MLflow's spelling: "None", "Staging", "Production", "Archived".
QString toString(Stage stage);
/// Reads a stage case-insensitively, as MLflow does ("production" is Production).
std::optional<Stage> stageFromString(const QString &text);
/// MLflow's spelling: "PENDING_REGISTRATION", "READY", "FAILED_REGISTRATION".
QString toString(VersionStatus status);
/// Every stage, in lifecycle order.
QList<Stage> allStages();

/// One version of a registered model: a copy of a run's model, with its stage and aliases.
struct ModelVersion
{
    QString name;
    qint64 version = 0;
    qint64 creationTime = 0;    ///< ms since the epoch
    qint64 lastUpdatedTime = 0; ///< ms since the epoch
    QString userId;
    QString description;
    QString source; ///< the URI the version was made from, e.g. runs:/<id>/model
    QString runId;
    QString runLink;
    Stage stage = Stage::None;
    VersionStatus status = VersionStatus::Pending;
    QString statusMessage;
    KeyValueList tags;
    QStringList aliases; ///< sorted
    /// The folder holding the version's files, absolute; empty when it has none (not READY).
    QString directory;
};

/// An alias and the version it points to, e.g. champion → 3.
struct ModelAlias
{
    QString alias;
    qint64 version = 0;
    bool operator==(const ModelAlias &) const = default;
};

/// A registered model: a name under which versions of one model are kept.
struct RegisteredModel
{
    QString name;
    qint64 creationTime = 0;    ///< ms since the epoch
    qint64 lastUpdatedTime = 0; ///< ms since the epoch
    QString userId;
    QString description;
    KeyValueList tags;
    QList<ModelAlias> aliases; ///< sorted by alias
    /// The newest version in each stage that has one, in stage order (MLflow's latest_versions).
    QList<ModelVersion> latestVersions;
};

/// What an entry of a model's history records.
enum class EventKind {
    Created,      ///< a version was registered
    StageChanged, ///< a version moved from one stage to another
    AliasSet,     ///< an alias was set on a version (or moved to it)
    AliasDeleted, ///< an alias was removed
    Decision,     ///< a promotion policy judged a challenger (promoted or kept the champion)
    Deleted       ///< a version was deleted
};

QString toString(EventKind kind);
std::optional<EventKind> eventKindFromString(const QString &text);

/// One entry of a registered model's audit trail: who did what to which version, when and
/// why, and for automatic promotions the evaluation numbers behind the decision.
struct RegistryEvent
{
    qint64 id = 0;
    QString modelName;
    qint64 version = 0;
    qint64 time = 0; ///< ms since the epoch
    EventKind kind = EventKind::Created;
    std::optional<Stage> fromStage; ///< StageChanged
    std::optional<Stage> toStage;   ///< StageChanged, Created (None)
    QString alias;                  ///< AliasSet, AliasDeleted
    qint64 previousVersion = 0;     ///< AliasSet: where the alias pointed before, 0 if nowhere
    QString actor;
    QString reason;
    QJsonObject evaluation; ///< Decision and the changes it caused; empty otherwise
};

/// Who makes a change and why, recorded in the history.
struct Actor
{
    QString name;   ///< e.g. "alice (Millrace UI)", "mlflow REST API", "pipeline update_model"
    QString reason; ///< optional, free text
};

/// Error codes of the registry beyond the tracking ones (see tracking::errorcode).
namespace errorcode {
using namespace tracking::errorcode;
/// A transition that the version's state does not allow (e.g. a version without files).
inline const QString kInvalidState = QStringLiteral("INVALID_STATE");
} // namespace errorcode

} // namespace millrace::registry
