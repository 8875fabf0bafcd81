#pragma once

#include "ui/panels/serving/servingqueries.h"

#include <QElapsedTimer>
#include <QGroupBox>
#include <QList>
#include <QPointer>
#include <QThreadPool>

#include <vector>

QT_BEGIN_NAMESPACE
class QLabel;
class QListWidget;
class QNetworkAccessManager;
class QNetworkReply;
class QPushButton;
QT_END_NAMESPACE

namespace millrace::ui {

class DrawCanvas;
class ProbabilityBars;
class ServingController;

/// "Try it": sends one 28 x 28 image to the running server, as any client would (POST
/// /invocations over HTTP, asynchronously), and shows the answer: the predicted class by the
/// served model's class names, a probability bar per class (the softmax of the logits) and the
/// version that answered. The image is a Fashion-MNIST test image (one of each class, read off
/// the GUI thread) or a drawing on the canvas; a picked test image can be drawn over. Each
/// finished stroke and each picked image is sent at once while serving.
class TryItBox : public QGroupBox
{
    Q_OBJECT
public:
    /// `controller` must outlive the box.
    explicit TryItBox(ServingController &controller, QWidget *parent = nullptr);
    /// Aborts requests in flight and waits for the image read.
    ~TryItBox() override;

    /// Reads test images on a worker (12 of them: one of each class, then the next ones) from
    /// the Fashion-MNIST folder testImageDirectory() finds for the workspace at `root`.
    void loadTestImages(const QString &workspaceRoot);
    /// Aborts requests in flight, drops the images and waits for a read still running.
    void detach();
    /// Follows the controller: what is served and whether it takes such images.
    void refresh();

    /// The test images shown (tests: their pixels and labels).
    const QList<TestImage> &testImages() const { return m_images; }
    /// The version that gave the latest answer, 0 before one.
    qint64 answeredVersion() const { return m_answeredVersion; }
    /// The class index of the latest answer, -1 before one.
    int predictedClass() const { return m_predicted; }

public Q_SLOTS:
    /// Sends the canvas's picture now.
    void send();

Q_SIGNALS:
    /// An answer arrived from `version`: the most probable class.
    void answered(qint64 version, int predictedClass);
    /// A request failed; `message` is one line for the user.
    void requestFailed(const QString &message);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    /// Puts test image `row` on the canvas and sends it.
    void pick(int row);
    QWidget *createPicker();
    QWidget *createCanvasSide();
    QWidget *createResultSide();
    void onImagesLoaded(const Result<QList<TestImage>> &images);
    void onReply(QNetworkReply *reply, quint64 serial);
    void showProblem(const QString &message);
    /// Why the served model cannot take the canvas's picture, or empty when it can.
    QString unsuitable() const;
    QStringList classNamesOf(qint64 version) const;

    ServingController &m_controller;
    QNetworkAccessManager *m_network;
    QThreadPool m_pool;
    QList<TestImage> m_images;
    quint64 m_imagesSerial = 0;
    quint64 m_serial = 0; ///< of the latest request: older answers are dropped
    QList<QPointer<QNetworkReply>> m_inFlight;
    QElapsedTimer m_clock;
    int m_trueClass = -1;  ///< of the test image on the canvas, -1 once drawn over
    int m_rowAtPress = -1; ///< the picked image when the mouse went down on the picker
    qint64 m_answeredVersion = 0;
    int m_predicted = -1;

    QListWidget *m_picker;
    QLabel *m_pickerNote;
    DrawCanvas *m_canvas;
    QPushButton *m_clear;
    QPushButton *m_send;
    QLabel *m_prediction;
    QLabel *m_answeredBy;
    ProbabilityBars *m_bars;
    QLabel *m_problem;
};

} // namespace millrace::ui
