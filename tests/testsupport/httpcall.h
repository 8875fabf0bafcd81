#pragma once

// One HTTP request to a server under test, waited for: shared by the REST API tests. Include as
// "testsupport/httpcall.h"; the test links Qt6::Network.

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QUrl>

namespace testsupport {

// What came back: the HTTP status (0 when nothing did within the wait), the body as JSON (empty
// when it is not an object) and the raw body.
struct HttpAnswer
{
    int status = 0;
    QJsonObject json;
    QByteArray raw;
};

// Sends `method` to `url` with `body` as JSON and waits up to 20 s for the answer.
inline HttpAnswer httpCall(QNetworkAccessManager &network, const QByteArray &method,
                           const QUrl &url, const QByteArray &body = {})
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = network.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(20000))
        return {};
    HttpAnswer answer;
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.raw = reply->readAll();
    answer.json = QJsonDocument::fromJson(answer.raw).object();
    reply->deleteLater();
    return answer;
}

} // namespace testsupport
