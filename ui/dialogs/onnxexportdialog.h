#pragma once

#include "core/ml/model.h"

#include <QDialog>
#include <QFutureWatcher>

#include <atomic>
#include <memory>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace millrace::registry {
class RegistryStore;
}

namespace millrace::ui {

/// Export to ONNX for one registered version: pick an output folder and an opset, then follow
/// the export (a worker thread; progress and Cancel) and read the result: the opset, the
/// file's size, the ONNX checker's verdict, and the command that serves the folder. Errors
/// (a corrupt weights file, a layer without an ONNX mapping) are shown as they are; a failed or
/// cancelled export writes nothing.
class OnnxExportDialog : public QDialog
{
    Q_OBJECT
public:
    /// `registry` and `architectures` must outlive the dialog (the export may still be running
    /// when it closes: closing waits for it to stop).
    OnnxExportDialog(registry::RegistryStore &registry, ml::ArchitectureLookup architectures,
                     QString modelName, qint64 version, QWidget *parent = nullptr);
    ~OnnxExportDialog() override;

    /// The folder the files are written to.
    void setOutputDirectory(const QString &directory);

public Q_SLOTS:
    /// Starts the export into the chosen folder (the Export button).
    void startExport();
    /// Asks a running export to stop; it writes nothing.
    void cancelExport();

Q_SIGNALS:
    /// The export finished: the files are in `directory`.
    void exported(const QString &directory);

private:
    struct Outcome;
    void chooseDirectory();
    void finish();
    void setRunning(bool running);
    void reject() override;

    registry::RegistryStore &m_registry;
    ml::ArchitectureLookup m_architectures;
    const QString m_modelName;
    const qint64 m_version;
    std::shared_ptr<std::atomic_bool> m_cancel = std::make_shared<std::atomic_bool>(false);
    QFutureWatcher<std::shared_ptr<Outcome>> m_watcher;

    QLineEdit *m_directory = nullptr;
    QPushButton *m_browse = nullptr;
    QSpinBox *m_opset = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_step = nullptr;
    QLabel *m_result = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QPushButton *m_close = nullptr;
};

} // namespace millrace::ui
