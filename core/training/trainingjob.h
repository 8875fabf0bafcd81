#pragma once

#include "core/base/cancellation.h"
#include "core/base/result.h"
#include "core/ml/model.h"
#include "core/ml/trainer.h"
#include "core/training/trainingrequest.h"

#include <QString>

namespace millrace::tracking {
class TrackingStore;
}

namespace millrace::training {

/// Where a job stands, for progress bars and the CLI.
struct TrainingProgress
{
    QString runId;  ///< the run being trained (a trial's, in a search)
    int trial = 0;  ///< from 1 in a search; 0 for a single training
    int trials = 0; ///< 0 for a single training
    int epoch = 0;  ///< from 1
    int epochs = 0;
    qsizetype batch = 0; ///< from 1
    qsizetype batches = 0;
    double loss = 0;        ///< the last batch's
    double fraction = 0;    ///< of the whole job, 0..1
    double etaSeconds = -1; ///< -1 until it can be estimated
};

/// Hears from a job on the job's thread. Implementations forward to other threads themselves
/// (TrainingService emits queued signals).
class TrainingJobObserver
{
public:
    virtual ~TrainingJobObserver() = default;
    /// A run was created for the job (the single run, the search's parent, or a trial).
    virtual void runCreated(const QString &runId, int trial)
    {
        Q_UNUSED(runId)
        Q_UNUSED(trial)
    }
    virtual void progress(const TrainingProgress &progress) { Q_UNUSED(progress) }
    virtual void epochFinished(const QString &runId, int trial, const ml::EpochMetrics &metrics)
    {
        Q_UNUSED(runId)
        Q_UNUSED(trial)
        Q_UNUSED(metrics)
    }
};

/// How a job ended. A job that ran but failed (NaN loss, cancelled) is a result, not an Error:
/// its run exists and says FAILED or KILLED with the reason.
struct TrainingJobResult
{
    QString runId; ///< the single run, or the search's parent run
    enum class Status { Finished, Failed, Cancelled } status = Status::Finished;
    QString message; ///< the failure's reason; "" when finished
    /// Test-set figures of the model kept (the best trial's, in a search).
    double testAccuracy = 0;
    double testLoss = 0;
    QString bestTrialRunId; ///< in a search
};

/// Finds architectures by id: the loaded model plugins.
using ArchitectureLookup = ml::ArchitectureLookup;

/// Runs `request` to its end on the calling thread and records it in tracking: a run (or a
/// parent run with one nested run per trial) with its params, per-epoch metrics (train_loss,
/// train_accuracy, val_loss, val_accuracy, learning_rate at step = epoch), final test metrics,
/// the confusion matrix (confusion_matrix.svg), the evaluation report (evaluation.json) and the
/// model (folder `model`, written whole or not at all). A search marks its best trial with the
/// tag millrace.best_trial = true and copies its figures to the parent.
///
/// Fails before creating any run when the request cannot start (unknown architecture, bad
/// hyperparameters, unreadable data). A NaN loss ends the run FAILED with the reason in the tag
/// millrace.error; cancelling ends it KILLED with no model written.
Result<TrainingJobResult> runTrainingJob(tracking::TrackingStore &tracking,
                                         const ArchitectureLookup &architectures,
                                         const TrainingRequest &request,
                                         const CancellationToken &cancellation,
                                         TrainingJobObserver *observer = nullptr);

} // namespace millrace::training
