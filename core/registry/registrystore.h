#pragma once

#include "core/base/result.h"
#include "core/registry/registrytypes.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace millrace {
class Store;
}
namespace millrace::tracking {
class TrackingStore;
}

namespace millrace::registry {

/// What a new model version is made from.
struct NewModelVersion
{
    QString name;   ///< the registered model
    QString source; ///< runs:/<run id>/<path>, mlflow-artifacts:/<path>, or the run's artifact
                    ///< URI followed by a path
    QString runId;  ///< the run that made the model; read from a runs:/ source when empty
    QString runLink;
    QString description;
    KeyValueList tags;
};

/// A promotion policy's judgement of a challenger against the champion (seed 000's rule: promote
/// only when it is better on the fixed test set).
struct PromotionVerdict
{
    bool promote = false;
    QString reason;         ///< one sentence with the numbers
    QJsonObject evaluation; ///< metric, both values, improvement, required, data, ...
};

/// What start-up recovery found and repaired after a crash.
struct RecoveryReport
{
    int completed = 0;      ///< versions whose files were in place: now READY
    int failed = 0;         ///< versions interrupted while copying: now FAILED_REGISTRATION
    int removedFolders = 0; ///< half-copied or orphaned folders removed from models/
};

/// Checks a registered model's name by MLflow's rules (not empty, no '/' or ':', not "." or
/// ".."); the error says why, in MLflow's words. Dialogs use it to say so before writing.
Result<void> validateModelName(const QString &name);
/// Checks a name for a new alias by MLflow's rules (letters, digits, '_' and '-', at most 255
/// characters, not "latest", not "v" and digits); the error says why, in MLflow's words.
Result<void> validateAliasName(const QString &alias);

/// The model registry in the workspace database, with MLflow's rules: registered models with
/// versions numbered from 1, stages None/Staging/Production/Archived, aliases, tags, soft-deleted
/// versions whose numbers are never reused. Beyond MLflow, each version's files are copied into
/// `models/<name>/<version>/` (so the version stays usable when its run is deleted), and every
/// stage and alias change is kept in a history with time, actor and reason.
///
/// Every call runs on the calling thread and waits for its write: call it from a worker or the
/// REST server's pool, never from the GUI thread. Failures carry MLflow's error codes.
class RegistryStore
{
public:
    /// `store` is the workspace database, `tracking` resolves run sources, `modelsRoot` is the
    /// workspace's models folder.
    RegistryStore(Store &store, tracking::TrackingStore &tracking, QString modelsRoot);

    // Registered models
    Result<RegisteredModel> createRegisteredModel(const QString &name,
                                                  const QString &description = QString(),
                                                  const KeyValueList &tags = {},
                                                  const QString &userId = QString());
    Result<RegisteredModel> registeredModel(const QString &name) const;
    Result<RegisteredModel> renameRegisteredModel(const QString &name, const QString &newName);
    Result<RegisteredModel> updateRegisteredModel(const QString &name, const QString &description);
    /// Deletes the model, its versions, aliases and history, and then its files.
    Result<void> deleteRegisteredModel(const QString &name);
    /// Models matching `filter` (`name LIKE '%x%'`, `name = 'x'`, `tags.k = 'v'`, joined by AND),
    /// ordered by `orderBy` (`name`, `last_updated_timestamp`, `creation_timestamp`, each ASC or
    /// DESC; default name ASC).
    Result<Page<RegisteredModel>> searchRegisteredModels(const QString &filter, int maxResults,
                                                         const QStringList &orderBy,
                                                         const QString &pageToken) const;
    /// The newest version in each of `stages` (every stage when empty), in stage order.
    Result<QList<ModelVersion>> latestVersions(const QString &name,
                                               const QList<Stage> &stages = {}) const;
    /// Sets or removes a tag; as MLflow, neither moves last_updated_time, and removing a tag
    /// the model does not have succeeds and changes nothing.
    Result<void> setRegisteredModelTag(const QString &name, const QString &key,
                                       const QString &value);
    Result<void> deleteRegisteredModelTag(const QString &name, const QString &key);

    // Aliases
    /// Points `alias` at `version`, moving it if it pointed elsewhere.
    Result<void> setAlias(const QString &name, const QString &alias, qint64 version,
                          const Actor &actor);
    Result<void> deleteAlias(const QString &name, const QString &alias, const Actor &actor);
    Result<ModelVersion> versionByAlias(const QString &name, const QString &alias) const;

    // Versions
    /// Registers a new version: numbers it, copies the source's files into the models folder
    /// (into a hidden folder first, renamed when complete and synced), then marks it READY. A
    /// source that cannot be copied leaves the version FAILED_REGISTRATION with the reason.
    Result<ModelVersion> createModelVersion(const NewModelVersion &request, const Actor &actor);
    Result<ModelVersion> modelVersion(const QString &name, qint64 version) const;
    Result<ModelVersion> updateModelVersion(const QString &name, qint64 version,
                                            const QString &description);
    /// Moves a version to `stage`. With `archiveExisting` (only for Staging and Production),
    /// the other versions in that stage move to Archived in the same transaction. Only READY
    /// versions change stage. `evaluation` (from a promotion policy) is kept in the history.
    Result<ModelVersion> transitionStage(const QString &name, qint64 version, Stage stage,
                                         bool archiveExisting, const Actor &actor,
                                         const QJsonObject &evaluation = {});
    /// Soft-deletes a version as MLflow does (its number is never reused; its aliases go), and
    /// removes its files.
    Result<void> deleteModelVersion(const QString &name, qint64 version, const Actor &actor);
    /// Versions matching `filter` (`name = 'x'`, `run_id = '...'`, `run_id IN (...)`,
    /// `version_number > 2`, `source_path LIKE ...`, `tags.k = 'v'`, joined by AND), ordered by
    /// `orderBy` (default: last update newest first, then name, then version descending).
    Result<Page<ModelVersion>> searchModelVersions(const QString &filter, int maxResults,
                                                   const QStringList &orderBy,
                                                   const QString &pageToken) const;
    /// Where the version's model can be downloaded from (its source, as MLflow answers).
    Result<QString> downloadUri(const QString &name, qint64 version) const;
    /// Sets or removes a version's tag, with the same rules as the model's tags.
    Result<void> setModelVersionTag(const QString &name, qint64 version, const QString &key,
                                    const QString &value);
    Result<void> deleteModelVersionTag(const QString &name, qint64 version, const QString &key);

    // History
    /// The model's history, oldest first.
    Result<QList<RegistryEvent>> history(const QString &name) const;

    // Promotion
    /// Applies a promotion policy's verdict on `challenger` in one transaction: records the
    /// decision with its numbers; when it promotes, moves the challenger to Production (the
    /// previous Production versions to Archived) and points `championAlias` at it (none when
    /// empty). Returns the challenger as it is afterwards.
    Result<ModelVersion> applyPromotion(const QString &name, qint64 challenger,
                                        const PromotionVerdict &verdict, const Actor &actor,
                                        const QString &championAlias = QStringLiteral("champion"));

    /// Finishes or fails versions left PENDING by a crash and removes half-copied and orphaned
    /// folders from the models folder. Call once at start-up, before anything registers.
    Result<RecoveryReport> recover();
    /// A number that moves on with every change to the registry, to poll for changes cheaply.
    Result<qint64> changeCount() const;

    QString modelsRoot() const { return m_modelsRoot; }

private:
    Store &m_store;
    tracking::TrackingStore &m_tracking;
    QString m_modelsRoot;
};

} // namespace millrace::registry
