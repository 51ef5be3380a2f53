"""The process's thread pools (storeapi.threads)."""

import os
import threading

from storeapi.threads import ProcessPool


def test_a_pool_keeps_its_threads_from_one_use_to_the_next():
    pool = ProcessPool(max_workers=2, name="test-pool")
    first = pool.submit(threading.get_ident).result()
    second = pool.submit(threading.get_ident).result()
    assert first == second  # no thread started for the second task: one was waiting
    assert pool.submit(lambda: threading.current_thread().name).result().startswith("test-pool")


def test_a_forked_process_gets_threads_of_its_own():
    """gunicorn forks its workers: a pool made before the fork has no threads in the
    child (only the forking thread survives a fork), so the child builds its own."""
    pool = ProcessPool(max_workers=1, name="test-fork")
    parent_pool = pool.executor()
    assert pool.submit(os.getpid).result() == os.getpid()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: answer through the pipe, whatever happens
        try:
            own = pool.executor() is not parent_pool and pool.submit(os.getpid).result(5) == os.getpid()
            answer = b"ok" if own else b"no"
        except BaseException:
            answer = b"error"
        os.write(write_end, answer)
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(child, 0)
    assert os.read(read_end, 10) == b"ok" and os.waitstatus_to_exitcode(status) == 0
    os.close(read_end)
    assert pool.executor() is parent_pool  # the parent's is untouched
