from shared.delivery import stream_seq


def test_stream_sequence_from_both_reply_subject_forms():
    assert stream_seq("$JS.ACK.PULIH_EVENTS.tYz7hH1t.1.4711.3.1795345145359873963.99") == 4711
    assert stream_seq("$JS.ACK.hub.ACCHASH.PULIH_EVENTS.c1.1.4712.3.1795345145.99.tok") == 4712
