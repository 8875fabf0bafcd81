#!/usr/bin/python3
"""The seed's consumer (seed 000, data_functions.py), as the peer of Millrace's drain.

Reads a topic from the beginning with kafka-python (Debian python3-kafka) in a consumer group,
decodes each message's JSON, groups the samples into NumPy arrays and pickles them, as the seed
does before training. Prints one line: <messages> <seconds> with the time from subscribing to
the pickle on disk.

usage: kafka_python_drain.py BOOTSTRAP TOPIC GROUP EXPECTED OUTPUT.pkl
"""

import json
import pickle
import sys
import time

import numpy as np
from kafka import KafkaConsumer


def main():
    bootstrap, topic, group, expected, output = sys.argv[1:6]
    expected = int(expected)
    started = time.perf_counter()
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        value_deserializer=lambda value: json.loads(value),
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    images, labels = [], []
    idle_since = time.perf_counter()
    while len(labels) < expected:
        batch = consumer.poll(timeout_ms=1000)
        if not batch:
            if time.perf_counter() - idle_since > 30:
                break
            continue
        idle_since = time.perf_counter()
        for records in batch.values():
            for record in records:
                images.append(record.value["image"])
                labels.append(record.value["label"])
    x = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28) / 255.0
    y = np.asarray(labels, dtype=np.int64)
    with open(output, "wb") as out:
        pickle.dump((x, y), out)
    consumer.commit()
    elapsed = time.perf_counter() - started
    consumer.close()
    print(len(labels), f"{elapsed:.3f}")


if __name__ == "__main__":
    main()
