// Items: the records a spider extracts (a product's title, price, URL...), like Scrapy's Item.
// A thin tracked wrapper around a plain object of fields, so leaked items show up in `prefs()`.
import { ObjectRef } from 'trackref';

export type Fields = Record<string, unknown>;

export class Item<F extends Fields = Fields> extends ObjectRef {
  readonly fields: F;

  constructor(fields: F) {
    super();
    this.fields = { ...fields };
  }

  get<K extends keyof F>(key: K): F[K] {
    return this.fields[key];
  }

  toJSON(): F {
    return this.fields;
  }
}

export interface ProductFields extends Fields {
  url: string;
  title: string;
  price: string;
}

/** What both example spiders extract from a product page. */
export class ProductItem extends Item<ProductFields> {}
