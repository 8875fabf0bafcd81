#pragma once

#include "core/base/result.h"
#include "core/ml/architecture.h"
#include "core/training/trainingjob.h"
#include "core/training/trainingrequest.h"

#include <QDialog>
#include <QHash>
#include <QList>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QChart;
class QValueAxis;
class QWidget;
QT_END_NAMESPACE

namespace millrace::training {
class TrainingService;
}

namespace millrace::ui {

/// The Train dialog: pick the data, a model architecture and its hyperparameters (or a
/// hyperparameter search), and start a job on the session's TrainingService; then follow it
/// with a progress bar and ETA and live loss and accuracy charts, and cancel it. The run shows
/// up in the Experiments panel as it goes. Closing the dialog hides it; the job goes on.
class TrainDialog : public QDialog
{
    Q_OBJECT
public:
    /// One architecture the loaded plugins offer.
    struct ArchitectureChoice
    {
        QString id;
        QString name;
        ml::InputKind inputKind = ml::InputKind::Image;
        ml::SearchSpace hyperparameters;
    };

    TrainDialog(training::TrainingService &service, QList<ArchitectureChoice> architectures,
                QWidget *parent = nullptr);

    /// The request the form describes, or what is wrong with it.
    Result<training::TrainingRequest> request() const;
    /// Whether a job started here is queued or running.
    bool isTraining() const { return !m_jobId.isEmpty(); }

public Q_SLOTS:
    /// Starts a job with the form's request (the Train button).
    void startTraining();
    /// Asks the running job to stop (the Cancel button).
    void cancelTraining();

private:
    QWidget *createDataGroup();
    QWidget *createModelGroup();
    QWidget *createTrainingGroup();
    QWidget *createSearchGroup();
    QWidget *createProgressArea();
    void rebuildHyperparameterForm();
    void rebuildVaryList();
    void updateDataFields();
    void setRunning(bool running);
    void resetCharts();
    void onProgress(const QString &jobId, const training::TrainingProgress &progress);
    void onEpoch(const QString &jobId, const QString &runId, int trial,
                 const ml::EpochMetrics &metrics);
    void onFinished(const QString &jobId, const training::TrainingJobResult &result);
    void onFailed(const QString &jobId, const QString &message);

    training::TrainingService &m_service;
    QList<ArchitectureChoice> m_architectures;
    QString m_jobId;
    int m_chartTrial = -1;

    QComboBox *m_dataKind;
    QSpinBox *m_trainLimit;
    QLineEdit *m_csvPath;
    QLineEdit *m_labelColumn;
    QComboBox *m_task;
    QDoubleSpinBox *m_testShare;
    QFormLayout *m_dataForm;

    QComboBox *m_architecture;
    QFormLayout *m_hyperparameterForm;
    QHash<QString, QWidget *> m_hyperparameterEditors;

    QLineEdit *m_experiment;
    QLineEdit *m_runName;
    QSpinBox *m_epochs;
    QSpinBox *m_batchSize;
    QComboBox *m_optimizer;
    QDoubleSpinBox *m_learningRate;
    QComboBox *m_schedule;
    QDoubleSpinBox *m_validationShare;
    QSpinBox *m_patience;
    QSpinBox *m_threads;
    QSpinBox *m_seed;

    QGroupBox *m_search;
    QComboBox *m_searchMethod;
    QSpinBox *m_trials;
    QSpinBox *m_parallel;
    QListWidget *m_vary;

    QProgressBar *m_progress;
    QLabel *m_status;
    QChart *m_lossChart;
    QChart *m_accuracyChart;
    QLineSeries *m_trainLoss;
    QLineSeries *m_validationLoss;
    QLineSeries *m_trainAccuracy;
    QLineSeries *m_validationAccuracy;
    QPushButton *m_trainButton;
    QPushButton *m_cancelButton;
};

} // namespace millrace::ui
