"""concat_frames: window frames stacked, categoricals unified the way pandas and dask unify them."""

from __future__ import annotations

import pandas as pd
from pandas.api.types import union_categoricals

from explore_pandas.pulls.assemble import concat_frames


def _window(types: list[str], first_id: int) -> pd.DataFrame:
    categorical = pd.Categorical(types, categories=sorted(set(types)))  # a parsed file's labels are sorted
    return pd.DataFrame({"call_id": [str(first_id + i) for i in range(len(types))], "type": categorical})


def test_categories_are_the_union_in_order_of_first_appearance() -> None:
    frames = [_window(["outbound", "inbound"], 0), _window(["abandoned", "inbound"], 2), _window(["voicemail"], 4)]
    got = concat_frames(frames)
    assert isinstance(got["type"].dtype, pd.CategoricalDtype)
    assert list(got["type"].cat.categories) == ["inbound", "outbound", "abandoned", "voicemail"]
    assert got["type"].tolist() == ["outbound", "inbound", "abandoned", "inbound", "voicemail"]
    assert got["call_id"].tolist() == ["0", "1", "2", "3", "4"]
    # exactly what pandas' own union gives (and dask, which uses it to join partitions)
    expected = union_categoricals([f["type"] for f in frames])
    pd.testing.assert_series_equal(got["type"], pd.Series(expected, name="type"))


def test_a_window_whose_column_is_empty_keeps_the_dtype() -> None:
    empty = _window([], 0)
    got = concat_frames([empty, _window(["inbound"], 0)])
    assert list(got["type"].cat.categories) == ["inbound"]
    assert len(got) == 1


def test_arrow_text_encoded_differently_per_frame_stacks_as_arrow_not_as_text() -> None:
    import warnings

    import pyarrow as pa

    def arrow(values: list[str], typ: pa.DataType) -> pd.DataFrame:
        array = pa.array(values).dictionary_encode() if pa.types.is_dictionary(typ) else pa.array(values)
        if pa.types.is_dictionary(typ):
            array = pa.DictionaryArray.from_arrays(array.indices.cast(typ.index_type), array.dictionary)
        return pd.DataFrame({"team": pd.arrays.ArrowExtensionArray(array)})

    narrow, wide = pa.dictionary(pa.int8(), pa.string()), pa.dictionary(pa.int16(), pa.string())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "all text" drift warning
        both = concat_frames([arrow(["a", "b"], narrow), arrow(["c"], wide)])
        mixed = concat_frames([arrow(["a", "b"], narrow), arrow(["c", "d"], pa.string())])
    if pd.__version__ >= "3":  # pandas 2.2 concatenates Arrow dictionaries as objects (its own choice)
        assert both["team"].dtype == pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))
        assert mixed["team"].dtype == pd.ArrowDtype(pa.string())
    assert both["team"].tolist() == ["a", "b", "c"] and mixed["team"].tolist() == ["a", "b", "c", "d"]
