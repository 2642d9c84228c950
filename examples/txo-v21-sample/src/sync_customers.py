"""
Sync customers from the ERP API into a local snapshot.

Usage:
    python -m src.sync_customers demo test
    python -m src.sync_customers demo test --debug
"""

import time
from typing import Any, Dict, List

from utils.api_factory import create_rest_api
from utils.exceptions import ApiOperationError
from utils.load_n_save import ProcessingResult, TxoDataHandler
from utils.logger import get_logger
from utils.script_runner import parse_args_and_load_config

logger = get_logger(__name__)

CUSTOMER_FIELDS = ("number", "displayName", "email", "blocked", "lastModifiedDateTime")


def normalise_customer(raw: Dict[str, Any]) -> Dict[str, Any]:
    """Keep the fields we sync and clean them up."""
    customer = {field: raw.get(field) for field in CUSTOMER_FIELDS}
    customer["email"] = (customer["email"] or "").strip().lower()
    customer["blocked"] = customer["blocked"] not in (None, "", " ")
    return customer


def sync_customers(api, company_id: str, result: ProcessingResult) -> List[Dict[str, Any]]:
    """Fetch all customers of one company and normalise them."""
    customers: List[Dict[str, Any]] = []
    url = f"companies({company_id})/customers"

    for batch in api.fetch_in_batches(url, {"read-batch-size": 100}):
        for raw in batch:
            number = raw.get("number", "<unknown>")
            try:
                customers.append(normalise_customer(raw))
                result.add_success(number)
            except (KeyError, TypeError, AttributeError) as e:
                result.add_failure(number, str(e))
                logger.warning(f"Skipping customer {number}: {e}")
    return customers


def main() -> None:
    args, config = parse_args_and_load_config(
        "Sync customers into a local snapshot",
        validate_config=False,
    )

    base_url = config["global"]["api-base-url"]
    company_id = config["global"]["company-id"]
    logger.info(f"Syncing customers from {base_url}")

    api = create_rest_api(config)
    data_handler = TxoDataHandler()
    result = ProcessingResult()
    start = time.perf_counter()

    try:
        customers = sync_customers(api, company_id, result)
    except ApiOperationError as e:
        logger.error(f"Customer sync failed: {e}")
        raise

    result.total_time = time.perf_counter() - start
    filename = f"{args.org_id}-{args.env_type}-customers.json"
    data_handler.save(customers, "output", filename, add_timestamp=True)
    data_handler.save(result, "output", f"{args.org_id}-{args.env_type}-sync-result.json")
    logger.info(f"Customer sync done: {result.summary()}")


if __name__ == "__main__":
    main()
